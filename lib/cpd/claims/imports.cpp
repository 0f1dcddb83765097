#include <cpd/claims/imports.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/store/database.hpp>
#include <cpd/util/ascii.hpp>
#include <cpd/util/csv.hpp>
#include <cpd/util/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>

namespace cpd {

namespace {

std::string
trimmed(std::string_view text)
{
  return std::string(ascii::trim(text));
}

} // namespace

MemberImportSummary
import_members(Database& db,
               const SecretaryOrSystem& context,
               std::istream& in,
               const std::string& source,
               DryRun dry_run,
               std::optional<Date> joined)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto& secretary = context.secretary_id;
  {
    // Counted before any row is looked at, so that a list too long to hold
    // is refused at once.
    const auto start = in.tellg();
    CsvReader counter(in, source);
    std::size_t records = 0;
    while (counter.next()) {
      if (++records > k_max_member_rows + 1) { // and the header
        throw Error(ErrorKind::bad_input,
                    "{}: a member list holds at most {} rows; import it in parts; nothing was "
                    "imported",
                    counter.source(),
                    k_max_member_rows);
      }
    }
    in.clear();
    in.seekg(start);
  }
  CsvReader reader(in, source);
  CsvTable table(reader, {"login", "name", "email"}, {"role", "joined"});
  MemberImportSummary summary;
  std::map<std::string, std::size_t> seen; // login -> line
  // Every member's login and address, folded to lower case: what a row
  // may clash with.
  std::map<std::string, std::string> logins; // folded login -> login, as written
  std::map<std::string, std::string> emails; // folded address -> login
  {
    Statement all(db, "SELECT login, email FROM member");
    while (all.step()) {
      logins.emplace(ascii::lower(all.text(0)), all.text(0));
      emails.emplace(ascii::lower(all.text(1)), all.text(0));
    }
  }
  Statement update(db, "UPDATE member SET name = ?, email = ?, role = ? WHERE id = ?");
  while (auto row = table.next()) {
    NewMember wanted{trimmed(row->operator[]("login")),
                     trimmed(row->operator[]("name")),
                     trimmed(row->operator[]("email"))};
    const auto role_text = ascii::lower(trimmed(row->operator[]("role")));
    std::optional<Role> role;
    if (role_text == "member") {
      role = Role::member;
    } else if (role_text == "secretary") {
      role = Role::secretary;
    } else if (!role_text.empty()) {
      throw Error(ErrorKind::bad_input,
                  "{}: the role must be member or secretary, not '{}'; nothing was imported",
                  row->where(),
                  row->operator[]("role"));
    }
    wanted.role = role.value_or(Role::member);
    if (const auto text = trimmed(row->operator[]("joined")); !text.empty()) {
      wanted.joined = Date::parse(text);
      if (!wanted.joined) {
        throw Error(ErrorKind::bad_input,
                    "{}: the join date must be YYYY-MM-DD, not '{}'; nothing was imported",
                    row->where(),
                    text);
      }
    }
    try {
      validate_member(wanted);
    } catch (const Error& e) {
      throw Error(e.kind(), "{}: {}; nothing was imported", row->where(), e.what());
    }
    if (const auto [first, inserted] = seen.emplace(wanted.login, row->line()); !inserted) {
      throw Error(ErrorKind::bad_input,
                  "{}: '{}' is listed again (first on line {}); nothing was imported",
                  row->where(),
                  wanted.login,
                  first->second);
    }
    const auto existing = find_member(db, wanted.login);
    if (const auto [other, fresh] = logins.emplace(ascii::lower(wanted.login), wanted.login);
        !fresh && other->second != wanted.login) {
      summary.warnings.push_back(fmt::format("{}: '{}' differs from the login '{}' only in "
                                             "case: two members, or one written two ways?",
                                             row->where(),
                                             wanted.login,
                                             other->second));
    }
    if (const auto [other, fresh] = emails.emplace(ascii::lower(wanted.email), wanted.login);
        !fresh && other->second != wanted.login) {
      summary.warnings.push_back(fmt::format("{}: '{}' shares the address {} with '{}'",
                                             row->where(),
                                             wanted.login,
                                             wanted.email,
                                             other->second));
    }
    MemberImportRow report{row->where(), wanted.login, MemberImportRow::Action::add, {}};
    if (!existing) {
      wanted.joined = wanted.joined ? wanted.joined : joined;
      insert_member(db, context, wanted);
      ++summary.added;
      summary.rows.push_back(std::move(report));
      continue;
    }
    const auto new_role = role.value_or(existing->role);
    for (const auto& [field, from, to] :
         {std::tuple{"name", existing->name, wanted.name},
          std::tuple{"email", existing->email, wanted.email},
          std::tuple{
            "role", std::string(to_string(existing->role)), std::string(to_string(new_role))}}) {
      if (from != to) {
        report.changes.push_back({field, from, to});
      }
    }
    const bool new_joined = wanted.joined && wanted.joined != existing->joined;
    if (new_joined) {
      report.changes.push_back({"joined",
                                existing->joined ? existing->joined->to_string() : "none",
                                wanted.joined->to_string()});
    }
    if (report.changes.empty()) {
      ++summary.unchanged;
      report.action = MemberImportRow::Action::unchanged;
      summary.rows.push_back(std::move(report));
      continue;
    }
    report.action = MemberImportRow::Action::update;
    summary.rows.push_back(std::move(report));
    try {
      refuse_self_service(secretary, *existing, {new_role != existing->role, false, new_joined});
    } catch (const Error& e) {
      throw Error(e.kind(), "{}: {}; nothing was imported", row->where(), e.what());
    }
    update.reset();
    update.bind_all(wanted.name, wanted.email, to_string(new_role), existing->id).run();
    if (new_joined) {
      change_joined(db, context, *existing, wanted.joined, secretary);
    }
    ++summary.updated;
  }
  if (dry_run == DryRun::no) {
    transaction.commit();
  }
  return summary;
}

std::vector<Attendee>
read_attendance(std::istream& in, const std::string& source)
{
  CsvReader reader(in, source);
  const auto header = reader.next();
  if (!header) {
    throw Error(ErrorKind::bad_input,
                "{} is empty: it needs a header row with a login column",
                reader.source());
  }
  std::optional<std::size_t> login_column;
  for (std::size_t i = 0; i < header->fields.size(); ++i) {
    if (ascii::lower(trimmed(header->fields[i])) == "login") {
      if (login_column) {
        throw Error(
          ErrorKind::bad_input, "{}: the column login appears twice", reader.where(header->line));
      }
      login_column = i;
    }
  }
  if (!login_column) {
    throw Error(
      ErrorKind::bad_input, "{}: the header row has no login column", reader.where(header->line));
  }
  std::vector<Attendee> attendees;
  while (auto record = reader.next()) {
    const auto& fields = record->fields;
    if (std::all_of(
          fields.begin(), fields.end(), [](const auto& f) { return trimmed(f).empty(); })) {
      continue;
    }
    if (fields.size() != header->fields.size()) {
      throw Error(ErrorKind::bad_input,
                  "{}: {} field{} where the header has {}",
                  reader.where(record->line),
                  fields.size(),
                  fields.size() == 1 ? "" : "s",
                  header->fields.size());
    }
    auto login = trimmed(fields[*login_column]);
    if (login.empty()) {
      throw Error(ErrorKind::bad_input, "{}: no login", reader.where(record->line));
    }
    if (attendees.size() == k_max_attendees) {
      throw Error(ErrorKind::bad_input,
                  "{}: an attendance list holds at most {} attendees; split it into lists of "
                  "that many",
                  reader.where(record->line),
                  k_max_attendees);
    }
    attendees.push_back({reader.where(record->line), std::move(login)});
  }
  return attendees;
}

} // namespace cpd
