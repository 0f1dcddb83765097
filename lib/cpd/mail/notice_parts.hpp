#pragma once

// What the scheme's mails (notices*.cpp) share: the values they fill in,
// the phrases of where a year stands and how a mail is queued. Only for
// lib/cpd/mail.

#include <cpd/mail/notices.hpp>
#include <cpd/mail/outbox.hpp>
#include <cpd/transport/template.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

class Database;

// Prose cpd writes into a mail is wrapped to this many columns.
constexpr std::size_t k_width = mail::k_mail_wrap_width;

// "3 points are carried forward into 2018." "Nothing is carried forward..."
std::string carry_sentence(Points carried, int next_year);

// How a year ended against its requirement (see notices.cpp). With
// `Cycle::say`, a cycle of several years says its total first.
enum class Cycle { say, said };
std::string outcome_clause(const Judgement& judgement, std::optional<Date> joined, Cycle cycle);

// The values of where a member's year stands ({year}, {total_points},
// {progress}, ...).
void add_balance(Values& values, const Balance& balance);

// Queues the mail `template_name` to a member.
void to_member(Database& db,
               const Context& context,
               const Member& member,
               std::string cause,
               std::string template_name,
               Values values);

// Queues the mail `template_name` to each secretary but `except`.
void to_secretary(Database& db,
                  const Context& context,
                  std::optional<std::int64_t> except,
                  const std::string& cause,
                  const std::string& template_name,
                  const Values& values,
                  const std::vector<std::int64_t>& attachment_ids = {});

// "  #12  IIMS training day, 14 March 2017: 5 points", and one per claim.
std::string claim_line(std::int64_t id, std::string_view title, Date date, Points points);
std::string claim_lines(const std::vector<Claim>& claims);

// A date a row holds for a mail (YYYY-MM-DD); another is an internal
// error.
Date stored_date(const std::string& text);

// What a reminder of the quota (reminder) says: where the member stands in
// the year.
Values reminder_values(const std::string& name, const std::string& login, const Balance& balance);

// Where a member stands in a year whose requirement is `quota` alone, with
// `total` earned and `pending` waiting: what a batch of reminders says.
Balance reminder_balance(int year, Points quota, Points total, Points pending);

} // namespace cpd
