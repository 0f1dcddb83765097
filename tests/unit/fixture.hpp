#pragma once

#include <cpd/admin/setup.hpp>
#include <cpd/claims/claims.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

#include <string>

namespace testutil {

// An in-memory scheme on 2017-03-15: secretaries sec and sue, members ann and bob.
struct Scheme
{
  cpd::Database db = cpd::Database::open_memory();
  cpd::Date today{2017, 3, 15};

  Scheme()
  {
    cpd::install_mail(db);
    cpd::initialize(db, as("sec"), {"Sam Secretary", "sec@example.org", "IIMS", {}});
    cpd::add_member(db, as("sec"), {"ann", "Ann Surveyor", "ann@example.org"});
    cpd::add_member(db, as("sec"), {"bob", "Bob Marine", "bob@example.org"});
    cpd::add_member(db, as("sec"), {"sue", "Sue Second", "sue@example.org", cpd::Role::secretary});
  }

  cpd::Context
  as(const std::string& login) const
  {
    return cpd::Context{login, today, today.days() * 86400};
  }

  cpd::Claim
  claim(const std::string& login,
        const std::string& activity,
        cpd::Date date,
        std::optional<std::string> quantity = std::nullopt)
  {
    cpd::ClaimRequest request;
    request.activity = activity;
    request.date = date;
    if (quantity) {
      request.quantity = cpd::Quantity::parse(*quantity);
    }
    request.duplicates = cpd::ClaimRequest::Duplicates::allow;
    return cpd::submit_claim(db, as(login), request);
  }
};

// `change` with a CPD duty (or none) and nothing else.
inline cpd::MemberChange
with_cpd_duty(bool duty)
{
  cpd::MemberChange change;
  change.cpd_duty = duty;
  return change;
}

// The kind of cpd::Error an expression throws.
template<typename F>
cpd::ErrorKind
error_kind(F&& f)
{
  try {
    f();
  } catch (const cpd::Error& e) {
    return e.kind();
  }
  FAIL("no cpd::Error was thrown");
  return cpd::ErrorKind::internal;
}

} // namespace testutil
