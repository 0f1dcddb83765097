#pragma once

namespace cpd {

class Database;

// Installs on `database` the handlers that turn each event the domain records
// (see store/events.hpp) into the mails it causes, queued in the outbox
// inside the transaction that recorded it. Whoever opens a database that
// anything may change installs them; returns `database`.
Database& install_mail(Database& database);

} // namespace cpd
