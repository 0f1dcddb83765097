#pragma once

#include "session.hpp"

namespace cpd::cli {

// Delivers the mail a command queued, right after its transaction committed,
// with short timeouts. Never fails the command: what cannot be delivered now
// stays queued for `cpd mail send`, and a note on stderr says so.
void deliver_now(Session& session);

} // namespace cpd::cli
