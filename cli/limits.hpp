#pragma once

#include "socket.hpp"

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

// What `cpd serve` lets each caller hold at once: connections, request bytes
// and log lines. Every limit is per user id and for the whole server, and
// root and the server's own account have connections nobody else may take,
// so that the administrator and the timers get through whatever the others
// do.
namespace cpd::cli {

// Connection slots. Ordinary users share `ordinary`, at most `per_user`
// each; root and the server's account may also use `reserved` more, which
// ordinary users never take.
class Slots
{
public:
  Slots(int ordinary, int per_user, int reserved);

  enum class Taken {
    yes,
    not_yours, // the user holds their share already
    full,      // the server holds all it may
  };

  Taken take(unsigned uid, bool privileged);
  void give(unsigned uid, bool privileged);

  // Waits until no slot is taken, or for `longest`; false if some still are.
  bool wait_for_none(std::chrono::milliseconds longest);

  int
  ordinary() const
  {
    return m_ordinary;
  }

private:
  const int m_ordinary;
  const int m_per_user;
  const int m_reserved;
  std::mutex m_mutex;
  std::condition_variable m_freed;
  std::map<unsigned, int> m_per_uid;
  int m_taken = 0;
  int m_taken_ordinary = 0;
};

// Request bytes in flight: what payloads being read, decoded and answered
// may hold, per user and in all.
class Budget
{
public:
  Budget(std::uint64_t per_user, std::uint64_t total);

  // Reserves `bytes` for `uid`, waiting for room until `until`; false if
  // there is none by then (or ever: more than the user's share).
  bool take(unsigned uid, std::uint64_t bytes, Clock::time_point until);
  void give(unsigned uid, std::uint64_t bytes);

private:
  const std::uint64_t m_per_user;
  const std::uint64_t m_total;
  std::mutex m_mutex;
  std::condition_variable m_freed;
  std::map<unsigned, std::uint64_t> m_per_uid;
  std::uint64_t m_taken = 0;
};

// Bytes of a Budget held until the end of a scope.
class BudgetHold
{
public:
  BudgetHold() = default;
  BudgetHold(Budget& budget, unsigned uid, std::uint64_t bytes)
    : m_budget(&budget)
    , m_uid(uid)
    , m_bytes(bytes)
  {}
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;
  BudgetHold(BudgetHold&& other) noexcept
    : m_budget(std::exchange(other.m_budget, nullptr))
    , m_uid(other.m_uid)
    , m_bytes(other.m_bytes)
  {}
  BudgetHold&
  operator=(BudgetHold&& other) noexcept
  {
    std::swap(m_budget, other.m_budget);
    std::swap(m_uid, other.m_uid);
    std::swap(m_bytes, other.m_bytes);
    return *this;
  }
  ~BudgetHold()
  {
    if (m_budget != nullptr) {
      m_budget->give(m_uid, m_bytes);
    }
  }

private:
  Budget* m_budget = nullptr;
  unsigned m_uid = 0;
  std::uint64_t m_bytes = 0;
};

// Log lines per user: a burst of `burst` lines, then one every `every`.
// The lines over that are dropped and counted, and the count is told with
// the user's next line that is written.
class LogLimit
{
public:
  LogLimit(int burst, std::chrono::milliseconds every);

  // Whether `uid` may write a line now; `dropped` is set to the lines of
  // theirs dropped since their last one.
  bool allow(unsigned uid, std::uint64_t& dropped);

private:
  struct Account
  {
    double tokens;
    Clock::time_point at;
    std::uint64_t dropped = 0;
  };

  const int m_burst;
  const std::chrono::milliseconds m_every;
  std::mutex m_mutex;
  std::map<unsigned, Account> m_accounts;
};

} // namespace cpd::cli
