#pragma once

namespace cpd {

class Database;

// The step of migration 15 that SQL cannot take: words the mail that
// versions 8 to 14 queued as numbers (year-end statements and summaries,
// reminders) as it is worded today, inside the migration's transaction.
// Registered with the store where the mail layer's event handlers are
// (events.cpp).
void word_old_mail(Database& db);

} // namespace cpd
