#include "paths.hpp"

#ifndef CPD_DEFAULT_DB
#  error "CPD_DEFAULT_DB must name the database path"
#endif

namespace cpd::cli {

const char*
default_database_path()
{
  return CPD_DEFAULT_DB;
}

} // namespace cpd::cli
