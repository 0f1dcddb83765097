#pragma once

namespace cpd::cli {

// The database an installed cpd uses: fixed when cpd is built, so that a
// setgid cpd cannot be pointed at another file.
const char* default_database_path();

} // namespace cpd::cli
