#include "hostconf.hpp"

#include <cpd/store/host_config.hpp>

#include <unistd.h>

#include <cstdlib>

namespace cpd::cli {

namespace {

constexpr const char* k_default_path = "/etc/cpd/cpd.conf";

} // namespace

std::string
host_config_path(const std::string& path)
{
  if (!path.empty()) {
    return path;
  }
  const char* value = std::getenv("CPD_CONFIG");
  return value != nullptr && *value != '\0' ? std::string(value) : std::string(k_default_path);
}

void
load_private_configuration()
{
  const char* value = std::getenv("CPD_CONFIG");
  if (value != nullptr && *value != '\0') {
    set_host_config(load_host_config(value, ::geteuid(), true));
  }
}

void
load_host_configuration(const std::string& path)
{
  const auto chosen = host_config_path(path);
  const bool required = chosen != k_default_path;
  set_host_config(load_host_config(chosen, ::geteuid(), required));
}

} // namespace cpd::cli
