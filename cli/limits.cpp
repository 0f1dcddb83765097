#include "limits.hpp"

#include <algorithm>

namespace cpd::cli {

Slots::Slots(int ordinary, int per_user, int reserved)
  : m_ordinary(ordinary)
  , m_per_user(per_user)
  , m_reserved(reserved)
{}

Slots::Taken
Slots::take(unsigned uid, bool privileged)
{
  const std::lock_guard lock(m_mutex);
  auto& mine = m_per_uid[uid];
  // Root and the server's account: a share as large as anybody's, and the
  // reserved slots on top.
  const int share = privileged ? m_per_user + m_reserved : m_per_user;
  Taken taken = Taken::yes;
  if (m_taken >= m_ordinary + m_reserved || (!privileged && m_taken_ordinary >= m_ordinary)) {
    taken = Taken::full;
  } else if (mine >= share) {
    taken = Taken::not_yours;
  }
  if (taken != Taken::yes) {
    if (mine == 0) {
      m_per_uid.erase(uid);
    }
    return taken;
  }
  ++mine;
  ++m_taken;
  m_taken_ordinary += privileged ? 0 : 1;
  return taken;
}

void
Slots::give(unsigned uid, bool privileged)
{
  const std::lock_guard lock(m_mutex);
  if (const auto found = m_per_uid.find(uid); found != m_per_uid.end() && --found->second <= 0) {
    m_per_uid.erase(found);
  }
  --m_taken;
  m_taken_ordinary -= privileged ? 0 : 1;
  // Notified under the lock: a server waiting for none may go on to
  // destroy this the moment the lock is free.
  m_freed.notify_all();
}

bool
Slots::wait_for_none(std::chrono::milliseconds longest)
{
  std::unique_lock lock(m_mutex);
  return m_freed.wait_for(lock, longest, [this] { return m_taken == 0; });
}

Budget::Budget(std::uint64_t per_user, std::uint64_t total)
  : m_per_user(per_user)
  , m_total(total)
{}

bool
Budget::take(unsigned uid, std::uint64_t bytes, Clock::time_point until)
{
  if (bytes > m_per_user || bytes > m_total) {
    return false;
  }
  std::unique_lock lock(m_mutex);
  const bool room = m_freed.wait_until(lock, until, [&] {
    const auto found = m_per_uid.find(uid);
    const std::uint64_t mine = found == m_per_uid.end() ? 0 : found->second;
    return mine + bytes <= m_per_user && m_taken + bytes <= m_total;
  });
  if (!room) {
    return false;
  }
  m_per_uid[uid] += bytes;
  m_taken += bytes;
  return true;
}

void
Budget::give(unsigned uid, std::uint64_t bytes)
{
  const std::lock_guard lock(m_mutex);
  if (const auto found = m_per_uid.find(uid); found != m_per_uid.end()) {
    found->second -= std::min(found->second, bytes);
    if (found->second == 0) {
      m_per_uid.erase(found);
    }
  }
  m_taken -= std::min(m_taken, bytes);
  m_freed.notify_all();
}

LogLimit::LogLimit(int burst, std::chrono::milliseconds every)
  : m_burst(burst)
  , m_every(every)
{}

bool
LogLimit::allow(unsigned uid, std::uint64_t& dropped)
{
  const auto now = Clock::now();
  const std::lock_guard lock(m_mutex);
  // Users with a full allowance and nothing to tell are forgotten, so that
  // this stays as small as the users who logged lately.
  constexpr std::size_t k_most_remembered = 1024;
  if (m_accounts.size() > k_most_remembered) {
    std::erase_if(m_accounts, [&](const auto& entry) {
      const auto& account = entry.second;
      return account.dropped == 0 && now - account.at >= m_every * m_burst;
    });
  }
  auto& account =
    m_accounts.try_emplace(uid, Account{static_cast<double>(m_burst), now, 0}).first->second;
  const auto gained = std::chrono::duration<double>(now - account.at) / m_every;
  account.tokens = std::min<double>(m_burst, account.tokens + gained);
  account.at = now;
  if (account.tokens < 1) {
    ++account.dropped;
    return false;
  }
  account.tokens -= 1;
  dropped = std::exchange(account.dropped, 0);
  return true;
}

} // namespace cpd::cli
