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

// For a private file (`cpd --db FILE`): the configuration CPD_CONFIG names,
// if it names one. /etc/cpd/cpd.conf is the shared server's, and the files
// it names are its account's: a user's own file does not read them.
void load_private_configuration();

} // namespace cpd::cli
