#include "testutil.hpp"

#include <cpd/util/error.hpp>
#include <cpd/util/timezone.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>

using cpd::Date;
using cpd::ErrorKind;
using cpd::TimeZone;

namespace {

// glibc's own reading of a zone, for comparison: TZ set for this
// single-threaded test alone, and put back.
class SystemZone
{
public:
  explicit SystemZone(const std::string& tz)
  {
    if (const char* old = std::getenv("TZ")) {
      m_old = old;
    }
    ::setenv("TZ", tz.c_str(), 1);
    ::tzset();
  }
  SystemZone(const SystemZone&) = delete;
  SystemZone& operator=(const SystemZone&) = delete;
  ~SystemZone()
  {
    if (m_old) {
      ::setenv("TZ", m_old->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

  static long
  offset(std::int64_t instant)
  {
    const auto t = static_cast<std::time_t>(instant);
    std::tm local{};
    ::localtime_r(&t, &local);
    return local.tm_gmtoff;
  }

private:
  std::optional<std::string> m_old;
};

bool
have_zoneinfo()
{
  return std::filesystem::exists(std::filesystem::path(cpd::k_zoneinfo_directory)
                                 / "Europe/London");
}

std::int64_t
instant(int year, int month, int day, int hour, int minute)
{
  return Date(year, month, day).days() * 86400 + hour * 3600 + minute * 60;
}

} // namespace

TEST_CASE("time zones agree with the C library's reading of the same files, 1900 to 2400")
{
  if (!have_zoneinfo()) {
    testutil::skip("no zone files in /usr/share/zoneinfo (apt-get install tzdata)");
    return;
  }
  // Zones ahead of and behind UTC, both hemispheres, half hours and
  // quarter hours, daylight time of 30 minutes, negative daylight time,
  // and a zone that skipped a whole day.
  const char* names[] = {"UTC",
                         "Europe/London",
                         "Europe/Dublin",
                         "America/New_York",
                         "America/Santiago",
                         "Australia/Sydney",
                         "Australia/Lord_Howe",
                         "Pacific/Auckland",
                         "Pacific/Chatham",
                         "Pacific/Kiritimati",
                         "Pacific/Apia",
                         "Asia/Kolkata",
                         "Asia/Kathmandu",
                         "Asia/Tehran",
                         "Africa/Casablanca",
                         "America/St_Johns"};
  std::mt19937_64 random(2017);
  std::uniform_int_distribution<std::int64_t> when(instant(1900, 1, 1, 0, 0),
                                                   instant(2400, 1, 1, 0, 0));
  for (const char* name : names) {
    CAPTURE(name);
    const auto zone = cpd::load_time_zone(name);
    CHECK(zone.name() == name);
    const SystemZone system(name);
    for (int i = 0; i < 4000; ++i) {
      const auto t = when(random);
      CAPTURE(t);
      REQUIRE(zone.offset_at(t) == SystemZone::offset(t));
    }
    // Either side of every daylight-time change of 2017 to 2040, to the second.
    for (std::int64_t t = instant(2017, 1, 1, 0, 0); t < instant(2040, 1, 1, 0, 0); t += 3600) {
      if (SystemZone::offset(t) != SystemZone::offset(t + 3600)) {
        for (std::int64_t s = t; s <= t + 3600; s += 60) {
          CAPTURE(s);
          REQUIRE(zone.offset_at(s) == SystemZone::offset(s));
        }
      }
    }
  }
}

TEST_CASE("a POSIX rule alone: the footer's syntax, checked against the C library")
{
  const char* rules[] = {"UTC0",
                         "CET-1CEST,M3.5.0,M10.5.0/3",
                         "EST5EDT,M3.2.0,M11.1.0",
                         "AEST-10AEDT,M10.1.0,M4.1.0/3",
                         "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
                         "IST-1GMT0,M10.5.0,M3.5.0/1",
                         "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
                         "XXX3YYY,J60/2,300/4",
                         "<+14>-14"};
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::int64_t> when(instant(1971, 1, 1, 0, 0),
                                                   instant(2200, 1, 1, 0, 0));
  for (const char* text : rules) {
    CAPTURE(text);
    const auto zone = TimeZone::from_posix(text);
    REQUIRE(zone);
    const SystemZone system(text);
    for (int i = 0; i < 3000; ++i) {
      const auto t = when(random);
      CAPTURE(t);
      REQUIRE(zone->offset_at(t) == SystemZone::offset(t));
    }
  }
  // Daylight time all year, as RFC 8536 writes it. The C library judges an
  // instant by the year of its UTC date, so it puts the first hours of each
  // UTC year in standard time; the rule says daylight time throughout.
  const auto always = TimeZone::from_posix("EST5EDT,0/0,J365/25");
  REQUIRE(always);
  for (int i = 0; i < 3000; ++i) {
    CHECK(always->offset_at(when(random)) == -4 * 3600);
  }
  CHECK(always->offset_at(instant(2169, 1, 1, 1, 56)) == -4 * 3600);
  for (const char* bad : {"",
                          "C",
                          "CE-1",
                          "CET",
                          "CET-25",
                          "CET-1CEST,M13.5.0,M10.5.0",
                          "CET-1CEST,M3.6.0,M10.5.0",
                          "CET-1CEST,M3.5.7,M10.5.0",
                          "CET-1CEST,M3.5.0",
                          "CET-1CEST,J0,J100",
                          "CET-1CEST,366,100",
                          "CET-1CEST,M3.5.0/168,M10.5.0",
                          "<+1>-1",
                          "CET-1 ",
                          "CET-1:60"}) {
    CAPTURE(bad);
    CHECK_FALSE(TimeZone::from_posix(bad));
  }
}

TEST_CASE("today and the year's last minute in a zone far ahead of UTC")
{
  if (!have_zoneinfo()) {
    testutil::skip("no zone files in /usr/share/zoneinfo (apt-get install tzdata)");
    return;
  }
  const auto kiritimati = cpd::load_time_zone("Pacific/Kiritimati"); // UTC+14
  const auto honolulu = cpd::load_time_zone("Pacific/Honolulu");     // UTC-10
  // 23:50 on 31 December in Kiritimati is 09:50 UTC, and still 30 December
  // in Honolulu.
  const auto t = kiritimati.instant_at(Date(2017, 12, 31), 23 * 3600 + 50 * 60);
  CHECK(t == instant(2017, 12, 31, 9, 50));
  CHECK(kiritimati.date_at(t) == Date(2017, 12, 31));
  CHECK(cpd::TimeZone::utc().date_at(t) == Date(2017, 12, 31));
  CHECK(honolulu.date_at(t) == Date(2017, 12, 30));
  CHECK(kiritimati.date_at(t + 600) == Date(2018, 1, 1));
  CHECK(kiritimati.offset_at(t) == 14 * 3600);

  // Across a change to daylight time, local times map to the right instant.
  const auto london = cpd::load_time_zone("Europe/London");
  CHECK(london.instant_at(Date(2017, 7, 1), 12 * 3600) == instant(2017, 7, 1, 11, 0));
  CHECK(london.instant_at(Date(2017, 1, 1), 0) == instant(2017, 1, 1, 0, 0));
  CHECK(london.date_at(instant(2017, 6, 30, 23, 30)) == Date(2017, 7, 1));
  CHECK_FALSE(london.date_at(-70000000000));
  CHECK_FALSE(london.date_at(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("zone names: typing errors, paths and other files are refused in one line")
{
  for (const char* bad : {"",
                          "Mars/Base",
                          "Europe",
                          "../../etc/passwd",
                          "/etc/localtime",
                          "Europe//London",
                          "Europe/London/",
                          "Europe/.London",
                          "Europe/Lon don",
                          "zone.tab",
                          "Europe/London\n"}) {
    CAPTURE(bad);
    try {
      cpd::load_time_zone(bad);
      FAIL("accepted");
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == ErrorKind::bad_input);
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
      CHECK(std::string(e.what()).find("is not a time zone") != std::string::npos);
    }
  }
  CHECK(cpd::valid_zone_name("Etc/GMT+5"));
  CHECK(cpd::valid_zone_name("America/Port-au-Prince"));
  CHECK_FALSE(cpd::valid_zone_name("../UTC"));
}

TEST_CASE("malformed zone files are refused, never read past their end")
{
  testutil::TempDir dir;
  if (!have_zoneinfo()) {
    testutil::skip("no zone files in /usr/share/zoneinfo (apt-get install tzdata)");
    return;
  }
  const auto good =
    testutil::read_file(std::filesystem::path(cpd::k_zoneinfo_directory) / "Europe/London");
  REQUIRE(good.size() > 100);
  CHECK_NOTHROW(TimeZone::from_tzif(good, "Europe/London"));
  // Every truncation is refused.
  for (std::size_t size = 0; size < good.size(); size += 7) {
    CAPTURE(size);
    CHECK_THROWS_AS(TimeZone::from_tzif(good.substr(0, size), "x"), cpd::Error);
  }
  auto bad_magic = good;
  bad_magic[0] = 'X';
  CHECK_THROWS_AS(TimeZone::from_tzif(bad_magic, "x"), cpd::Error);
  auto bad_footer = good;
  bad_footer[bad_footer.size() - 3] = '!';
  CHECK_THROWS_AS(TimeZone::from_tzif(bad_footer, "x"), cpd::Error);

  // A version 1 file (no footer): the last type holds after the last transition.
  std::string v1("TZif", 4);
  v1 += std::string(16, '\0');
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24),
                       static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8),
                       static_cast<char>(v)};
  };
  v1 += be32(0) + be32(0) + be32(0) + be32(1) + be32(2) + be32(4); // 1 transition, 2 types
  v1 += be32(1000000000);                                          // 2001-09-09
  v1 += std::string(1, '\1');
  v1 += be32(3600) + std::string(1, '\0') + std::string(1, '\0');
  v1 += be32(7200) + std::string(1, '\0') + std::string(1, '\0');
  v1 += std::string("AB\0\0", 4);
  const auto zone = TimeZone::from_tzif(v1, "v1");
  CHECK(zone.offset_at(0) == 3600);
  CHECK(zone.offset_at(1000000000) == 7200);
  CHECK(zone.offset_at(4000000000) == 7200);
  auto wrong_type = v1;
  wrong_type[44 + 4] = '\2';
  CHECK_THROWS_AS(TimeZone::from_tzif(wrong_type, "x"), cpd::Error);
}
