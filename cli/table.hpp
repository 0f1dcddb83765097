#pragma once

#include "session.hpp"

#include <cpd/util/actor.hpp>

#include <span>
#include <string_view>

namespace cpd::cli {

// What a command needs of its database.
enum class Store {
  none,    // it opens none (serve, completion)
  exists,  // the database must exist
  created, // it creates it (init)
};

// Where a command may run.
enum class Through {
  server_too, // here on a private file, or in the server for a client
  here_only,  // never for a client (serve)
};

// One row of the command table: what a command needs, which the dispatcher
// checks once, before the command's database side runs.
struct CommandNeeds
{
  std::string_view path; // "member add"
  Store database;
  Need who;
  Through through;
  Session::Zone zone; // where today's date takes its zone from
};

// Every command, in one table.
std::span<const CommandNeeds> command_table();

// The row of the command `path`, or nothing.
const CommandNeeds* find_needs(std::string_view path);

// The row of the command `path`; a command missing from the table is a bug
// (internal error).
const CommandNeeds& needs_of(std::string_view path);

std::string_view to_string(Store store);
std::string_view to_string(Through through);

} // namespace cpd::cli
