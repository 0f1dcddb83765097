#pragma once

#include <cpd/ledger/ledger.hpp>
#include <cpd/ledger/members.hpp>

#include <string>
#include <vector>

namespace cpd {

// What the ledger records as it happens (see store/events.hpp).

// The secretary adjusted a member's record; `corrections` is what it did
// to closed years.
struct AdjustmentMade
{
  const Member& member;
  const Adjustment& adjustment;
  const std::vector<YearCorrection>& corrections;
};

// Closed years of a member's were corrected (their compliance or carry may
// have changed), saying `why`; `cause` tells one change's from another's.
struct YearCorrected
{
  const Member& member;
  const std::vector<YearCorrection>& corrections;
  std::string why;
  std::string cause;
};

} // namespace cpd
