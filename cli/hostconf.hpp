#pragma once

#include <string>

namespace cpd::cli {

// Where the host configuration is read from: `path` when given (`cpd serve
// --config`), else CPD_CONFIG, else /etc/cpd/cpd.conf.
std::string host_config_path(const std::string& path);

// Reads the host configuration and every file it names and makes it the
// one this process uses. The default file may be missing (an empty
// configuration); one named by --config or CPD_CONFIG must exist. Throws
// ErrorKind::config, the configuration in use unchanged.
void load_host_configuration(const std::string& path);

} // namespace cpd::cli
