#include "paths.hpp"

#ifndef CPD_DEFAULT_DB
#  error "CPD_DEFAULT_DB must name the database path"
#endif
#ifndef CPD_DEFAULT_SOCKET
#  error "CPD_DEFAULT_SOCKET must name the server's socket"
#endif

namespace cpd::cli {

const char*
default_database_path()
{
  return CPD_DEFAULT_DB;
}

const char*
default_socket_path()
{
  return CPD_DEFAULT_SOCKET;
}

} // namespace cpd::cli
