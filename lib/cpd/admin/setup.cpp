#include <cpd/admin/setup.hpp>
#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/ascii.hpp>
#include <cpd/util/embedded.hpp>
#include <cpd/util/error.hpp>
#include <cpd/year/statement.hpp>

namespace cpd {

namespace {

Preset
parse_preset(std::string_view name, std::string_view text)
{
  Preset preset;
  preset.name = std::string(name);
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const auto line = ascii::trim(text.substr(0, end));
    ++line_number;
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      throw Error(ErrorKind::internal, "schemes/{}.conf line {}: no '='", name, line_number);
    }
    const auto key = std::string(ascii::trim(line.substr(0, equals)));
    const auto value = std::string(ascii::trim(line.substr(equals + 1)));
    if (key == "title") {
      preset.title = value;
    } else if (key == "points_table") {
      preset.points_table = value;
    } else {
      try {
        validate_setting(key, value);
      } catch (const Error& e) {
        throw Error(
          ErrorKind::internal, "schemes/{}.conf line {}: {}", name, line_number, e.what());
      }
      preset.settings.emplace_back(key, value);
    }
  }
  if (preset.title.empty() || !embedded_file(preset.points_table)) {
    throw Error(ErrorKind::internal, "schemes/{}.conf has no title or no points table", name);
  }
  return preset;
}

} // namespace

std::vector<Preset>
presets()
{
  std::vector<Preset> found;
  for (const auto& file : embedded_files()) {
    if (file.name.starts_with("schemes/") && file.name.ends_with(".conf")) {
      const auto name = file.name.substr(8, file.name.size() - 8 - 5);
      found.push_back(parse_preset(name, file.content));
    }
  }
  return found;
}

Preset
find_preset(std::string_view name)
{
  std::string names;
  for (auto& preset : presets()) {
    if (preset.name == name) {
      return preset;
    }
    names += (names.empty() ? "" : ", ") + preset.name;
  }
  throw Error(ErrorKind::usage, "there is no shipped scheme '{}': choose {}", name, names);
}

SetupResult
initialize(Database& db, const Context& context, const SetupRequest& request)
{
  const NewMember secretary{
    context.login, request.name, request.email, Role::secretary, request.cpd_duty};
  validate_member(secretary);
  const auto preset = find_preset(request.scheme);
  Transaction transaction(db, Transaction::Kind::write);
  Statement members(db, "SELECT count(*) FROM member");
  members.step();
  if (members.integer(0) > 0) {
    throw Error(ErrorKind::refused,
                "{} is already set up; a secretary adds members with cpd member add",
                db.path().string());
  }
  if (!request.organisation.empty()) {
    validate_setting("org.name", request.organisation);
    Statement(db, "INSERT OR REPLACE INTO setting(key, value) VALUES ('org.name', ?)")
      .bind(1, request.organisation)
      .run();
    db.settings_changed();
  }
  SetupResult result;
  if (request.points_table) {
    result.activities = load_points_table(db, *request.points_table, "the points table");
  } else {
    result.activities =
      load_points_table(db, *embedded_file(preset.points_table), preset.points_table);
  }
  for (const auto& [key, value] : preset.settings) {
    Statement(db, "INSERT OR REPLACE INTO setting(key, value) VALUES (?, ?)")
      .bind_all(key, value)
      .run();
    db.settings_changed();
  }
  check_rules(current_rules(db));
  result.scheme = preset;
  result.secretary = insert_member(db, context, secretary);
  // Replies and the secretary's mail go to the first secretary's address
  // until a secretary sets another: never to whichever account sorts first.
  Statement(db, "INSERT OR IGNORE INTO setting(key, value) VALUES ('mail.secretary', ?)")
    .bind(1, request.email)
    .run();
  db.settings_changed();
  ensure_statement_key(db);
  transaction.commit();
  return result;
}

} // namespace cpd
