#include <cpd/claims/events.hpp>
#include <cpd/claims/evidence.hpp>
#include <cpd/claims/quotas.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/error.hpp>

#include <charconv>
#include <vector>

namespace cpd {

namespace {

constexpr std::int64_t k_day_seconds = 86400;

// The claims withdrawn at least the purge's days ago (?1: the latest
// withdrawal time that qualifies), through claim_withdrawn.
constexpr std::string_view k_purgeable =
  "SELECT id FROM claim WHERE status = 'withdrawn' AND decided_at <= ?1";

// A setting's whole number; the settings were validated when stored, so
// anything else is a damaged database.
std::int64_t
number(Database& db, std::string_view key)
{
  const auto text = get_setting(db, key);
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0) {
    throw Error(
      ErrorKind::config, "the setting {} is damaged; set it again with cpd config set", key);
  }
  return value;
}

} // namespace

Quotas
load_quotas(Database& db)
{
  return Quotas{number(db, "claim.max_per_day"),
                static_cast<std::uint64_t>(number(db, "attach.max_year_bytes")),
                static_cast<int>(number(db, "attach.purge_withdrawn_days"))};
}

const char* const k_claims_today_sql =
  "SELECT count(*) FROM claim WHERE member_id = ?1 AND year >= ?2 AND submitted_at > ?3";

const char* const k_evidence_of_year_sql =
  "SELECT coalesce((SELECT sum(a.size) FROM claim c JOIN attachment a ON a.claim_id = c.id"
  "  WHERE c.member_id = ?1 AND c.year = ?2), 0)"
  " + coalesce((SELECT sum(purged_bytes) FROM claim WHERE member_id = ?1 AND year = ?2), 0)";

void
check_claim_quota(Database& db,
                  Transaction& transaction,
                  const Context& context,
                  const Member& member)
{
  const auto limit = load_quotas(db).claims_per_day;
  Statement count(db, k_claims_today_sql);
  // A claim is for this CPD year or, in the grace days, the one before.
  count.bind_all(member.id, context.today.year() - 1, context.now - k_day_seconds);
  count.step();
  const auto made = count.integer(0);
  if (made < limit) {
    return;
  }
  db.record(context,
            QuotaReached{member,
                         QuotaReached::Kind::claims_per_day,
                         fmt::format("{} claim{} in 24 hours", limit, limit == 1 ? "" : "s"),
                         context.today.year()});
  transaction.commit();
  throw Error(ErrorKind::refused,
              "you have made {} claim{} in the last 24 hours, the most a member may "
              "(claim.max_per_day); nothing was claimed, and the membership secretary "
              "has been told",
              made,
              made == 1 ? "" : "s");
}

void
check_evidence_quota(Database& db,
                     Transaction& transaction,
                     const Context& context,
                     const Member& member,
                     int year,
                     std::uint64_t adding)
{
  const auto limit = load_quotas(db).evidence_per_year;
  Statement used_query(db, k_evidence_of_year_sql);
  used_query.bind_all(member.id, year);
  used_query.step();
  const auto used = static_cast<std::uint64_t>(used_query.integer(0));
  if (used + adding <= limit) {
    return;
  }
  db.record(context,
            QuotaReached{member,
                         QuotaReached::Kind::evidence_per_year,
                         fmt::format("{} of evidence for the claims of a year",
                                     size_phrase(static_cast<std::int64_t>(limit))),
                         year});
  transaction.commit();
  throw Error(ErrorKind::refused,
              "{} more would take your evidence for {} past the {} a member may attach "
              "to the claims of a year (attach.max_year_bytes; {} used); nothing was "
              "stored, and the membership secretary has been told",
              size_phrase(static_cast<std::int64_t>(adding)),
              year,
              size_phrase(static_cast<std::int64_t>(limit)),
              size_phrase(static_cast<std::int64_t>(used)));
}

Purged
purge_withdrawn_evidence(Database& db, const SecretaryOrSystem& context, DryRun dry_run)
{
  Transaction transaction(db, Transaction::Kind::write);
  const auto cutoff =
    context.now - std::int64_t{load_quotas(db).purge_withdrawn_days} * k_day_seconds;
  Purged purged;
  Statement size(db,
                 fmt::format("SELECT count(DISTINCT a.claim_id), count(*), coalesce(sum(a.size), 0)"
                             " FROM attachment a WHERE a.claim_id IN ({})",
                             k_purgeable));
  size.bind(1, cutoff);
  size.step();
  purged = {size.integer(0), size.integer(1), size.integer(2)};
  if (purged.files == 0 || dry_run == DryRun::yes) {
    return purged;
  }
  Statement(db,
            fmt::format("UPDATE claim SET evidence_purged = ?2,"
                        " purged_bytes = purged_bytes"
                        " + (SELECT sum(a.size) FROM attachment a WHERE a.claim_id = claim.id)"
                        " WHERE id IN ({}) AND EXISTS"
                        " (SELECT 1 FROM attachment a WHERE a.claim_id = claim.id)",
                        k_purgeable))
    .bind_all(cutoff, context.today.to_string())
    .run();
  std::vector<std::int64_t> files;
  Statement ids(db, fmt::format("SELECT id FROM attachment WHERE claim_id IN ({})", k_purgeable));
  ids.bind(1, cutoff);
  while (ids.step()) {
    files.push_back(ids.integer(0));
  }
  db.record(context, EvidencePurged{files});
  Statement(db, fmt::format("DELETE FROM attachment WHERE claim_id IN ({})", k_purgeable))
    .bind(1, cutoff)
    .run();
  transaction.commit();
  return purged;
}

} // namespace cpd
