#pragma once

#include "session.hpp"

#include <string>

namespace cpd::cli {

// This host's name as the resolver knows it (getaddrinfo with AI_CANONNAME
// on gethostname), looked up once per process: the default EHLO name when
// it is fully qualified. Empty when the host has no name.
const std::string& host_name();

// Delivers the mail a command queued, right after its transaction committed,
// with short timeouts. Never fails the command: what cannot be delivered now
// stays queued for `cpd mail send`, and a note on stderr says so.
void deliver_now(Session& session);

} // namespace cpd::cli
