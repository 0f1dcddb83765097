#pragma once

#include <cpd/util/context.hpp>

#include <functional>
#include <typeindex>
#include <typeinfo>
#include <unordered_map>

namespace cpd {

class Database;

// What the domain records as it happens, and who hears of it. A domain
// operation records a typed event (a claim submitted, a year closed, ...;
// each layer declares its own in its events.hpp) with Database::record(),
// inside its transaction; the handler installed for the event's type runs
// there and then, so that what it writes (the mail the event causes) is
// committed or rolled back with the operation. The mail layer installs its
// handlers where the database is opened (install_mail()). An event with no
// handler is an internal error: nothing recorded is lost.
class EventHandlers
{
public:
  template<typename Event>
  using Handler = std::function<void(Database&, const Context&, const Event&)>;

  // Hands every event of type `Event` to `handler`, in place of any before.
  template<typename Event>
  void
  on(Handler<Event> handler)
  {
    m_handlers[std::type_index(typeid(Event))] =
      [handler = std::move(handler)](Database& db, const Context& context, const void* event) {
        handler(db, context, *static_cast<const Event*>(event));
      };
  }

  template<typename Event>
  void
  dispatch(Database& db, const Context& context, const Event& event) const
  {
    dispatch(db, context, typeid(Event), &event);
  }

private:
  void dispatch(Database& db,
                const Context& context,
                const std::type_info& type,
                const void* event) const;

  std::unordered_map<std::type_index, std::function<void(Database&, const Context&, const void*)>>
    m_handlers;
};

} // namespace cpd
