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

// A caller for the library's operations: a Context that becomes whichever
// checked actor an operation takes, through the one authorising step, so
// that a test of a refusal sees the dispatcher's refusal.
struct As : cpd::Context
{
  cpd::Database* db = nullptr;

  As(cpd::Database& database, cpd::Context context)
    : cpd::Context(std::move(context))
    , db(&database)
  {}

  // NOLINTBEGIN(google-explicit-constructor)
  operator cpd::Listed() const
  {
    return cpd::Authority::listed(*db, *this);
  }
  operator cpd::MemberActor() const
  {
    return cpd::Authority::member(*db, *this);
  }
  operator cpd::Secretary() const
  {
    return cpd::Authority::secretary(*db, *this);
  }
  operator cpd::SecretaryOrSystem() const
  {
    return cpd::Authority::secretary_or_system(*db, *this);
  }
  operator cpd::MemberOrSystem() const
  {
    return cpd::Authority::member_or_system(*db, *this);
  }
  // NOLINTEND(google-explicit-constructor)
};

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

  As
  as(const std::string& login)
  {
    return {db, cpd::Context{login, today, today.days() * 86400}};
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
