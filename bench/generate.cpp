// Generates a cpd database of a given size for the benchmarks, deterministic
// for a given seed:
//
//   cpd_bench_generate --db bench.db --members 100000 --claims 1000000
//                      [--first-year 2021] [--last-year 2024] [--seed 1]
//                      [--claims-csv claims.csv] [--members-csv members.csv]
//
// The scheme starts on 1 January of --first-year; claims fall in every year
// from there to --last-year, plus a few in the current year (--last-year + 1,
// "today" being 1 March of it). Every year before --last-year is closed, so
// `cpd rollover` has exactly one year to close. Claims are mostly approved,
// some pending, declined or withdrawn; each has its events, and each approved
// claim its award in the ledger. The setup and the members go through the
// library (initialize, insert_member); the claims, which the library only
// takes one by one with permission checks and mail, are written with direct
// SQL matching data/schema in one transaction, then the checks of `cpd check`
// (cpd::verify_storage, cpd::verify_ledger) verify the result. Phase timings
// go to stderr as "phase NAME ROWS SECONDS".

#include <cpd/admin/check.hpp>
#include <cpd/admin/setup.hpp>
#include <cpd/ledger/activities.hpp>
#include <cpd/ledger/config.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/ledger/rules.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/store/database.hpp>
#include <cpd/store/settings.hpp>
#include <cpd/util/context.hpp>
#include <cpd/util/date.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/points.hpp>
#include <cpd/year/yearend.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

struct Options
{
  std::string db;
  std::int64_t members = 1000;
  std::int64_t claims = 10000;
  int first_year = 2021;
  int last_year = 2024;
  std::uint64_t seed = 1;
  std::string claims_csv;
  std::string members_csv;
};

[[noreturn]] void
usage(std::string_view problem)
{
  fmt::print(stderr,
             "cpd_bench_generate: {}\n"
             "usage: cpd_bench_generate --db PATH [--members N] [--claims M]"
             " [--first-year Y] [--last-year Y] [--seed S] [--claims-csv PATH]"
             " [--members-csv PATH]\n",
             problem);
  std::exit(64);
}

Options
parse_options(int argc, char** argv)
{
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (i + 1 >= argc) {
      usage(fmt::format("{} needs a value", name));
    }
    const std::string value = argv[++i];
    try {
      if (name == "--db") {
        options.db = value;
      } else if (name == "--members") {
        options.members = std::stoll(value);
      } else if (name == "--claims") {
        options.claims = std::stoll(value);
      } else if (name == "--first-year") {
        options.first_year = std::stoi(value);
      } else if (name == "--last-year") {
        options.last_year = std::stoi(value);
      } else if (name == "--seed") {
        options.seed = std::stoull(value);
      } else if (name == "--claims-csv") {
        options.claims_csv = value;
      } else if (name == "--members-csv") {
        options.members_csv = value;
      } else {
        usage(fmt::format("unknown option {}", name));
      }
    } catch (const std::logic_error&) {
      usage(fmt::format("{} {} is not a number", name, value));
    }
  }
  if (options.db.empty()) {
    usage("--db is required");
  }
  if (options.members < 1 || options.claims < 0 || options.first_year < 1971
      || options.last_year < options.first_year || options.last_year > 9000) {
    usage("need --members >= 1, --claims >= 0 and 1971 <= --first-year <= --last-year");
  }
  return options;
}

// SplitMix64: the same stream on every platform and standard library (the
// <random> distributions are not).
class Random
{
public:
  explicit Random(std::uint64_t seed)
    : m_state(seed)
  {}

  std::uint64_t
  next()
  {
    std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n).
  std::int64_t
  below(std::int64_t n)
  {
    return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n));
  }

  // Uniform in [0, 1000): for percentages with one decimal.
  int
  permille()
  {
    return static_cast<int>(below(1000));
  }

private:
  std::uint64_t m_state;
};

class Stopwatch
{
public:
  double
  seconds() const
  {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  }

  void
  report(std::string_view phase, std::int64_t rows)
  {
    fmt::print(stderr, "phase {} {} {:.3f}\n", phase, rows, seconds());
    m_start = std::chrono::steady_clock::now();
  }

private:
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
};

// A file written through stdio's buffer (fmt::output_file would need the
// shared libfmt, which cpd does not link).
class OutputFile
{
public:
  explicit OutputFile(const std::string& path)
    : m_path(path)
    , m_file(std::fopen(path.c_str(), "w"))
  {
    if (m_file == nullptr) {
      throw cpd::Error(cpd::ErrorKind::io, "cannot write {}", path);
    }
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  ~OutputFile()
  {
    if (m_file != nullptr) {
      std::fclose(m_file);
    }
  }

  template<typename... Args>
  void
  print(fmt::format_string<Args...> format, Args&&... args)
  {
    fmt::print(m_file, format, std::forward<Args>(args)...);
  }

  void
  close()
  {
    if (std::fclose(std::exchange(m_file, nullptr)) != 0) {
      throw cpd::Error(cpd::ErrorKind::io, "cannot write {}", m_path);
    }
  }

private:
  std::string m_path;
  std::FILE* m_file;
};

std::string
csv_field(std::string_view text)
{
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(text);
  }
  std::string quoted = "\"";
  for (const char c : text) {
    quoted += c;
    if (c == '"') {
      quoted += '"';
    }
  }
  return quoted + '"';
}

constexpr std::string_view k_first_names[] = {"Ann",
                                              "Ben",
                                              "Chloé",
                                              "David",
                                              "Eilidh",
                                              "Farid",
                                              "Grace",
                                              "Hamish",
                                              "Ines",
                                              "Jonas",
                                              "Kofi",
                                              "Lena",
                                              "Mateo",
                                              "Niamh",
                                              "Olu",
                                              "Priya"};
constexpr std::string_view k_last_names[] = {"Surveyor",
                                             "Marsh",
                                             "O'Neill",
                                             "Haddock",
                                             "Nakamura",
                                             "Smith",
                                             "Okafor",
                                             "Dubois",
                                             "García",
                                             "Lindqvist",
                                             "Patel",
                                             "MacLeod",
                                             "Rossi",
                                             "Novak",
                                             "Quayle",
                                             "Tanaka"};

// Outcome of a claim, in the proportions the benchmarks use.
std::string_view
pick_status(Random& random, bool current_year)
{
  const int p = random.permille();
  if (current_year) {
    return p < 550 ? "approved" : p < 950 ? "pending" : p < 980 ? "declined" : "withdrawn";
  }
  return p < 850 ? "approved" : p < 920 ? "pending" : p < 970 ? "declined" : "withdrawn";
}

} // namespace

int
main(int argc, char** argv)
try {
  const auto options = parse_options(argc, argv);
  Random random(options.seed);
  const int current_year = options.last_year + 1;
  const cpd::Date today(current_year, 3, 1);
  const cpd::Context context{"secretary", today, today.days() * 86400 + 36000, 0};

  std::filesystem::remove(options.db);
  std::filesystem::remove(options.db + "-wal");
  std::filesystem::remove(options.db + "-shm");
  auto db = cpd::Database::open(options.db, cpd::Database::Mode::create);
  cpd::install_mail(db);
  Stopwatch watch;

  cpd::initialize(
    db, context, {"Sam Secretary", "secretary@example.org", "Benchmark Institute", std::nullopt});
  cpd::set_setting(db,
                   cpd::Authority::secretary(db, context),
                   "scheme.start",
                   fmt::format("{}-01-01", options.first_year));
  const auto activities = cpd::list_activities(db, cpd::IncludeRetired::no);
  watch.report("setup", static_cast<std::int64_t>(activities.size()));

  // Members, through the library, in one transaction.
  std::optional<OutputFile> members_csv;
  if (!options.members_csv.empty()) {
    members_csv.emplace(options.members_csv);
    members_csv->print("login,name,email\n");
  }
  std::vector<std::int64_t> member_ids;
  std::vector<std::string> member_logins;
  member_ids.reserve(static_cast<std::size_t>(options.members));
  member_logins.reserve(static_cast<std::size_t>(options.members));
  {
    // Members joined before the scheme started, so every year counts them.
    cpd::Context joined = context;
    joined.now = cpd::Date(options.first_year - 1, 12, 1).days() * 86400;
    cpd::Transaction transaction(db, cpd::Transaction::Kind::write);
    for (std::int64_t i = 0; i < options.members; ++i) {
      const auto first = k_first_names[random.below(std::size(k_first_names))];
      const auto last = k_last_names[random.below(std::size(k_last_names))];
      cpd::NewMember member{fmt::format("m{:06}", i + 1),
                            fmt::format("{} {}", first, last),
                            fmt::format("m{:06}@members.example.org", i + 1),
                            cpd::Role::member};
      if (members_csv) {
        members_csv->print("{},{},{}\n", member.login, csv_field(member.name), member.email);
      }
      const auto inserted = cpd::insert_member(db, joined, member);
      member_ids.push_back(inserted.id);
      member_logins.push_back(member.login);
    }
    transaction.commit();
  }
  if (members_csv) {
    members_csv->close();
  }
  watch.report("members", options.members);

  // Claims, their events and awards: direct SQL in one transaction.
  std::optional<OutputFile> claims_csv;
  if (!options.claims_csv.empty()) {
    claims_csv.emplace(options.claims_csv);
    claims_csv->print("login,activity,date,quantity,points,status,note\n");
  }
  const std::int64_t secretary_id = cpd::find_member(db, "secretary")->id;
  {
    cpd::Transaction transaction(db, cpd::Transaction::Kind::write);
    cpd::Statement insert_claim(
      db,
      "INSERT INTO claim(member_id, activity_id, activity_date, year, quantity, points,"
      " note, status, submitted_at, decided_by, decided_at, reason)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    cpd::Statement insert_event(db,
                                "INSERT INTO claim_event(claim_id, status, actor_id, at, reason)"
                                " VALUES (?, ?, ?, ?, ?)");
    cpd::Statement insert_award(
      db,
      "INSERT INTO entry(member_id, year, kind, points, claim_id, actor_id, at, reason)"
      " VALUES (?, ?, 'award', ?, ?, ?, ?, ?)");
    const int years = options.last_year - options.first_year + 1;
    for (std::int64_t i = 0; i < options.claims; ++i) {
      const auto m = static_cast<std::size_t>(random.below(options.members));
      const std::int64_t member_id = member_ids[m];
      // About 3% of the claims are in the current year, before today.
      const bool current = random.permille() < 30;
      const int year =
        current ? current_year : options.first_year + static_cast<int>(random.below(years));
      const cpd::Date first_day(year, 1, 1);
      const std::int64_t span = current ? today.days() - first_day.days() : 365;
      const auto date = first_day.plus_days(random.below(span));
      const auto& activity = activities[static_cast<std::size_t>(
        random.below(static_cast<std::int64_t>(activities.size())))];
      std::optional<cpd::Quantity> quantity;
      cpd::Points points = activity.points;
      if (activity.unit != cpd::Unit::claim) {
        const std::int64_t units =
          activity.unit == cpd::Unit::hour ? 1 + random.below(6) : 1 + random.below(3);
        quantity = cpd::Quantity::from_hundredths(units * 100);
        points = cpd::work_out_points(activity.points, *quantity, activity.max_points)->points;
      }
      const auto status = pick_status(random, current);
      const std::int64_t submitted = (date.days() + 1) * 86400 + 3600 * random.below(12);
      const std::int64_t decided = submitted + 86400 * (1 + random.below(20));
      const bool by_secretary = status == "approved" || status == "declined";
      const std::string note = random.permille() < 300
                                 ? fmt::format("Benchmark claim {}, \"{}\"", i + 1, activity.title)
                                 : std::string();
      const std::string reason = status == "declined" ? "Not verifiable" : std::string();

      insert_claim.reset();
      insert_claim.bind_all(member_id, activity.id, date.to_string(), year);
      if (quantity) {
        insert_claim.bind(5, quantity->hundredths());
      } else {
        insert_claim.bind_null(5);
      }
      insert_claim.bind(6, points.tenths());
      if (note.empty()) {
        insert_claim.bind_null(7);
      } else {
        insert_claim.bind(7, note);
      }
      insert_claim.bind(8, status);
      insert_claim.bind(9, submitted);
      if (status == "pending") {
        insert_claim.bind_null(10).bind_null(11).bind_null(12);
      } else {
        insert_claim.bind(10, by_secretary ? secretary_id : member_id);
        insert_claim.bind(11, decided);
        if (reason.empty()) {
          insert_claim.bind_null(12);
        } else {
          insert_claim.bind(12, reason);
        }
      }
      insert_claim.run();
      const std::int64_t claim_id = db.last_insert_id();

      insert_event.reset();
      insert_event.bind_all(claim_id, "pending", member_id, submitted).bind_null(5).run();
      if (status != "pending") {
        insert_event.reset();
        insert_event.bind_all(claim_id, status, by_secretary ? secretary_id : member_id, decided);
        if (reason.empty()) {
          insert_event.bind_null(5);
        } else {
          insert_event.bind(5, reason);
        }
        insert_event.run();
      }
      if (status == "approved") {
        insert_award.reset();
        insert_award
          .bind_all(member_id,
                    year,
                    points.tenths(),
                    claim_id,
                    secretary_id,
                    decided,
                    fmt::format("claim #{} approved", claim_id))
          .run();
      }
      if (claims_csv) {
        claims_csv->print("{},{},{},{},{},{},{}\n",
                          member_logins[m],
                          activity.code,
                          date.to_string(),
                          quantity ? quantity->to_string() : "",
                          points.to_string(),
                          status,
                          csv_field(note));
      }
    }

    // Close every year before the last, oldest first, with the statement
    // cpd rollover runs, but no mail.
    const auto scheme = cpd::load_scheme(db);
    const auto rules = cpd::encode_rules(cpd::current_rules(db));
    for (int year = options.first_year; year < options.last_year; ++year) {
      const std::int64_t at = cpd::Date(year + 1, 1, 1).days() * 86400 + 7200;
      cpd::Statement(db, cpd::close_accounts_sql())
        .bind_all(
          year, scheme.quota.tenths(), scheme.carry_cap.tenths(), cpd::year_start_instant(year + 1))
        .run();
      cpd::Statement(db, cpd::k_carry_sql).bind_all(year, secretary_id, at).run();
      cpd::Statement(db,
                     "INSERT INTO year_close(year, quota, carry_cap, rules, actor_id, at)"
                     " VALUES (?, ?, ?, ?, ?, ?)")
        .bind_all(year, scheme.quota.tenths(), scheme.carry_cap.tenths(), rules, secretary_id, at)
        .run();
    }
    transaction.commit();
  }
  if (claims_csv) {
    claims_csv->close();
  }
  watch.report("claims", options.claims);

  // Both halves of cpd check, timed apart.
  auto problems = cpd::verify_storage(db);
  watch.report("verify_storage", static_cast<std::int64_t>(problems.size()));
  for (auto& problem : cpd::verify_ledger(db)) {
    problems.push_back(std::move(problem));
  }
  watch.report("verify_ledger", static_cast<std::int64_t>(problems.size()));
  for (const auto& problem : problems) {
    fmt::print(stderr, "cpd_bench_generate: {}\n", problem);
  }
  return problems.empty() ? 0 : 1;
} catch (const cpd::Error& e) {
  fmt::print(stderr, "cpd_bench_generate: error: {}\n", e.what());
  return cpd::exit_status(e.kind());
}
