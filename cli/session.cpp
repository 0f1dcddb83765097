#include "session.hpp"

#include "output.hpp"
#include "table.hpp"

#include <cpd/ledger/members.hpp>
#include <cpd/util/error.hpp>
#include <cpd/util/spool.hpp>

#include <filesystem>

namespace cpd::cli {

Session::Session(const GlobalOptions& options, Reply& reply, const protocol::Request& request)
  : m_options(options)
  , m_reply(reply)
  , m_request(request)
{}

const Context&
Session::context()
{
  const auto zone_from = m_zone;
  if (!m_context) {
    auto who = caller();
    std::shared_ptr<const TimeZone> zone;
    if (zone_from != Zone::host && database_exists()) {
      try {
        zone = scheme_zone(db());
      } catch (const Error& e) {
        if (zone_from == Zone::scheme || e.kind() != ErrorKind::config) {
          throw;
        }
      }
    }
    m_context = make_context(std::move(who.login), who.actor, who.clock, zone.get());
    show_times_in(std::move(zone));
  }
  return *m_context;
}

void
Session::authorise(const CommandNeeds& needs)
{
  m_zone = needs.zone;
  if (needs.database == Store::exists) {
    db(); // a missing database is refused here, before anything else
  }
  if (needs.who == Need::anyone) {
    return;
  }
  auto& database = db();
  const auto& who = context();
  switch (needs.who) {
  case Need::anyone:
    break;
  case Need::listed:
    m_actor = Authority::listed(database, who);
    break;
  case Need::member:
    m_actor = Authority::member(database, who);
    break;
  case Need::member_or_system:
    m_actor = Authority::member_or_system(database, who);
    break;
  case Need::secretary:
    m_actor = Authority::secretary(database, who);
    break;
  case Need::secretary_or_system:
    m_actor = Authority::secretary_or_system(database, who);
    break;
  }
}

namespace {

[[noreturn]] void
undeclared(std::string_view asked)
{
  throw Error(ErrorKind::internal, "the command table declares no need of {}", asked);
}

} // namespace

Listed
Session::listed() const
{
  if (const auto* listed = std::get_if<Listed>(&m_actor)) {
    return *listed;
  }
  return member();
}

MemberActor
Session::member() const
{
  if (const auto* member = std::get_if<MemberActor>(&m_actor)) {
    return *member;
  }
  return secretary();
}

Secretary
Session::secretary() const
{
  if (const auto* secretary = std::get_if<Secretary>(&m_actor)) {
    return *secretary;
  }
  undeclared("a secretary");
}

SecretaryOrSystem
Session::secretary_or_system() const
{
  if (const auto* actor = std::get_if<SecretaryOrSystem>(&m_actor)) {
    return *actor;
  }
  return secretary();
}

MemberOrSystem
Session::member_or_system() const
{
  if (const auto* actor = std::get_if<MemberOrSystem>(&m_actor)) {
    return *actor;
  }
  return member();
}

const std::string&
Session::input(std::string_view path) const
{
  for (const auto& file : m_request.files) {
    if (file.path == path) {
      return file.content;
    }
  }
  throw Error(ErrorKind::no_input, "{} was not read for this command", path);
}

void
Session::write_file(
  std::string path, std::string content, Overwrite overwrite, Folder folder, Access access)
{
  m_reply.file(protocol::OutputFile{std::move(path),
                                    std::move(content),
                                    overwrite == Overwrite::yes,
                                    folder == Folder::make,
                                    access == Access::owner_only,
                                    {}});
}

void
Session::write_file(
  std::string path, protocol::Extent extent, Overwrite overwrite, Folder folder, Access access)
{
  m_reply.file(protocol::OutputFile{std::move(path),
                                    {},
                                    overwrite == Overwrite::yes,
                                    folder == Folder::make,
                                    access == Access::owner_only,
                                    std::move(extent)});
}

Spool
Session::spool() const
{
  return Spool::create(std::filesystem::path(database_name()).parent_path());
}

void
Session::write_stdout(protocol::Extent extent)
{
  m_reply.out_extent(std::move(extent));
}

void
Session::confirm(std::string prompt, std::vector<std::int64_t> ids)
{
  m_reply.confirm(protocol::Confirmation{std::move(prompt), std::move(ids)});
}

} // namespace cpd::cli
