# Every dependency comes from Debian's packages; a missing one names the
# package to install instead of failing with CMake's generic message.
macro(cpd_require name package)
  find_package(${name} ${ARGN})
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "${name} not found: install it with `apt-get install ${package}`")
  endif()
endmacro()

cpd_require(fmt libfmt-dev 9)
cpd_require(SQLite3 libsqlite3-dev 3.37)
cpd_require(CURL libcurl4-openssl-dev)
cpd_require(CLI11 libcli11-dev 2.1 CONFIG)
if(BUILD_TESTING)
  cpd_require(doctest doctest-dev CONFIG)
endif()
