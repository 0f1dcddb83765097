#pragma once

namespace cpd::cli {

// Where cpd looks when neither --db, --socket, CPD_DB nor CPD_SOCKET says:
// the server's socket when it exists, else the database file. Fixed when cpd
// is built.
const char* default_database_path();
const char* default_socket_path();

} // namespace cpd::cli
