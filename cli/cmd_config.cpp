#include "commands.hpp"
#include "output.hpp"

#include <cpd/ledger/config.hpp>
#include <cpd/store/host_config.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>

#include <fmt/format.h>

namespace cpd::cli {

namespace {

struct ConfigOptions
{
  std::string key;
  std::string value;
};

} // namespace

void
register_config(Command& root)
{
  auto options = std::make_shared<ConfigOptions>();
  auto config = root.add("config", "read and change settings (secretary; root may read them)");
  config.require_command();

  auto get = config.add("get", "print one setting");
  get.option("key", options->key, "e.g. scheme.quota").required();
  get.run([options](Session& session) {
    const auto value = read_setting(session.db(), session.secretary_or_system(), options->key);
    if (session.json()) {
      Json json;
      json.begin_object().field(options->key, value).end_object();
      print(json.str());
      return;
    }
    print(value + '\n');
  });

  auto set = config.add("set", "change a setting ('' restores the default)");
  set.option("key", options->key, "e.g. scheme.quota").required();
  set.option("value", options->value, "the new value").required();
  set.run([options](Session& session) {
    // A Maildir is a folder the server would write into as itself: on a
    // shared host only the administrator names one, in the host configuration.
    if (!session.local() && options->key == "mail.url" && options->value.starts_with("maildir:")) {
      throw Error(ErrorKind::permission,
                  "on a shared host the administrator names a Maildir: root sets mail.url in "
                  "{} (see cpd.conf(5))",
                  host_config_name());
    }
    set_setting(session.db(), session.secretary(), options->key, options->value);
  });

  auto list = config.add("list", "every setting and its value");
  list.run([](Session& session) {
    const auto settings = list_settings(session.db(), session.secretary_or_system());
    if (session.json()) {
      Json json;
      json.begin_object();
      for (const auto& [key, value] : settings) {
        json.field(key, value);
      }
      json.end_object();
      print(json.str());
      return;
    }
    Table table({{"SETTING"}, {"VALUE"}, {"MEANING"}});
    for (const auto& [key, value] : settings) {
      std::string meaning;
      for (const auto& info : known_settings()) {
        if (info.key == key) {
          meaning = info.description;
        }
      }
      table.add_row({key, value, meaning});
    }
    print(table.render());
  });
}

} // namespace cpd::cli
