#include <cpd/util/date.hpp>
#include <cpd/util/error.hpp>

#include <doctest/doctest.h>

using cpd::Date;

TEST_CASE("Date::parse accepts only real days written YYYY-MM-DD")
{
  CHECK(Date::parse("2017-03-14") == Date(2017, 3, 14));
  CHECK(Date::parse("2016-02-29") == Date(2016, 2, 29));
  CHECK(Date::parse("2000-02-29") == Date(2000, 2, 29));
  for (const char* text : {"2017-02-29",
                           "1900-02-29",
                           "2017-02-30",
                           "2017-04-31",
                           "2017-13-01",
                           "2017-00-10",
                           "2017-01-00",
                           "0000-01-01",
                           "2017-1-5",
                           "17-01-05",
                           "2017/01/05",
                           " 2017-01-05",
                           "2017-01-05 ",
                           "",
                           "today",
                           "+017-01-05",
                           "2017-01-0x"}) {
    CAPTURE(text);
    CHECK_FALSE(Date::parse(text));
  }
}

TEST_CASE("Date arithmetic and formatting")
{
  CHECK(Date(1970, 1, 1).days() == 0);
  CHECK(Date(2017, 1, 1).days() == 17167);
  CHECK(Date::from_days(17167) == Date(2017, 1, 1));
  CHECK(Date(2016, 12, 31).plus_days(1) == Date(2017, 1, 1));
  CHECK(Date(2016, 2, 28).plus_days(1) == Date(2016, 2, 29));
  CHECK(Date(2017, 3, 1).plus_days(-1) == Date(2017, 2, 28));
  CHECK_THROWS_AS(Date(1, 1, 1).plus_days(-1), cpd::Error);
}

TEST_CASE("Date round-trips every day of four centuries")
{
  const auto first = Date(2000, 1, 1).days();
  Date previous = Date(1999, 12, 31);
  for (auto day = first; day < first + 146097; ++day) {
    const Date date = Date::from_days(day);
    REQUIRE(date.days() == day);
    REQUIRE(previous < date);
    REQUIRE(Date::parse(date.to_string()) == date);
    previous = date;
  }
}

TEST_CASE("Date text")
{
  CHECK(Date(2017, 3, 4).to_string() == "2017-03-04");
  CHECK(Date(2017, 12, 31).to_long_string() == "31 December 2017");
  CHECK(cpd::year_end(2017) == Date(2017, 12, 31));
  CHECK_THROWS_AS(Date(2017, 2, 29), cpd::Error);
}

TEST_CASE("checked_year takes the years a date can be in and refuses the others")
{
  CHECK(cpd::checked_year(1) == 1);
  CHECK(cpd::checked_year(2017) == 2017);
  CHECK(cpd::checked_year(9999) == 9999);
  for (const int year : {0, -1, 10000}) {
    try {
      cpd::checked_year(year);
      FAIL("a year out of range was taken");
    } catch (const cpd::Error& e) {
      CHECK(e.kind() == cpd::ErrorKind::bad_input);
      CHECK(std::string(e.what()) == std::to_string(year) + " is not a year");
    }
  }
}
