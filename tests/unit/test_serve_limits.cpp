// The server's limits (cli/limits.hpp): shares of connections, request
// bytes and log lines per user and in all.
#include "limits.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using cpd::cli::Budget;
using cpd::cli::Clock;
using cpd::cli::LogLimit;
using cpd::cli::Slots;

TEST_CASE("a user takes at most their share of connections and root the reserved ones too")
{
  Slots slots(4, 2, 3);
  CHECK(slots.take(1000, false) == Slots::Taken::yes);
  CHECK(slots.take(1000, false) == Slots::Taken::yes);
  CHECK(slots.take(1000, false) == Slots::Taken::not_yours);
  CHECK(slots.take(1001, false) == Slots::Taken::yes);
  CHECK(slots.take(1002, false) == Slots::Taken::yes);
  // The ordinary connections are all taken: nobody else gets one.
  CHECK(slots.take(1003, false) == Slots::Taken::full);
  // Root and the server's account still do, up to the reserved ones.
  CHECK(slots.take(0, true) == Slots::Taken::yes);
  CHECK(slots.take(0, true) == Slots::Taken::yes);
  CHECK(slots.take(999, true) == Slots::Taken::yes);
  CHECK(slots.take(0, true) == Slots::Taken::full);
  // A connection given back is an ordinary user's again, whoever else
  // holds the reserved ones.
  slots.give(1000, false);
  CHECK(slots.take(1003, false) == Slots::Taken::yes);
  CHECK(slots.take(0, true) == Slots::Taken::full);
  for (const unsigned uid : {1000U, 1001U, 1002U, 1003U}) {
    slots.give(uid, false);
  }
  for (const unsigned uid : {0U, 0U, 999U}) {
    slots.give(uid, true);
  }
  CHECK(slots.wait_for_none(std::chrono::milliseconds(0)));
}

TEST_CASE("request bytes wait for room in the shares of the user and the server or are refused")
{
  Budget budget(100, 150);
  const auto now = [] { return Clock::now(); };
  CHECK(budget.take(1000, 80, now()));
  // Over the user's share: waits, then is refused.
  CHECK_FALSE(budget.take(1000, 30, now() + std::chrono::milliseconds(20)));
  // Over the server's.
  CHECK(budget.take(1001, 60, now()));
  CHECK_FALSE(budget.take(1002, 20, now() + std::chrono::milliseconds(20)));
  // More than any share: refused at once, without waiting.
  CHECK_FALSE(budget.take(1002, 101, now() + std::chrono::hours(1)));
  // Room made while waiting is taken.
  std::thread giver([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    budget.give(1000, 80);
  });
  CHECK(budget.take(1002, 90, now() + std::chrono::seconds(10)));
  giver.join();
  budget.give(1001, 60);
  budget.give(1002, 90);
  CHECK(budget.take(1003, 100, now()));
}

TEST_CASE("log lines of a user past the burst are dropped and counted with the next one written")
{
  LogLimit limit(3, std::chrono::milliseconds(50));
  std::uint64_t dropped = 99;
  for (int i = 0; i < 3; ++i) {
    CHECK(limit.allow(1000, dropped));
    CHECK(dropped == 0);
  }
  CHECK_FALSE(limit.allow(1000, dropped));
  CHECK_FALSE(limit.allow(1000, dropped));
  // Another user is not held back.
  CHECK(limit.allow(1001, dropped));
  CHECK(dropped == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  CHECK(limit.allow(1000, dropped));
  CHECK(dropped == 2);
  CHECK_FALSE(limit.allow(1000, dropped));
}
