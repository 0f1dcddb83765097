#pragma once

#include <cpd/context.hpp>
#include <cpd/date.hpp>

#include <optional>
#include <string>

// Who is acting and when, from the operating system: the only place besides
// the server's socket that asks.
namespace cpd::cli {

// The login of a user id in the password database.
std::optional<std::string> login_of(unsigned uid);

// The user id of a login in the password database.
std::optional<unsigned> uid_of(const std::string& login);

// CPD_TODAY from this process's environment, if set; a value that is not
// a date is refused (bad_input).
std::optional<Date> today_from_environment();

// The context of an act by `login` now: today's local date (or `today`),
// the instant, the local time's offset for mail.
Context make_context(std::string login, Actor actor, std::optional<Date> today);

} // namespace cpd::cli
