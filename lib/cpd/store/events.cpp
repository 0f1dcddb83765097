#include <cpd/store/events.hpp>
#include <cpd/util/error.hpp>

namespace cpd {

void
EventHandlers::dispatch(Database& db,
                        const Context& context,
                        const std::type_info& type,
                        const void* event) const
{
  const auto handler = m_handlers.find(std::type_index(type));
  if (handler == m_handlers.end()) {
    throw Error(ErrorKind::internal, "an event ({}) with nobody to hear it", type.name());
  }
  handler->second(db, context, event);
}

} // namespace cpd
