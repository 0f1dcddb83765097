// libFuzzer target for the protocol between cpd and cpd serve: the bytes a
// hostile local user can put on the server's socket. tests/fuzz/run builds
// and runs it.
//
// Any input may only be refused with cpd::Error (bad_input); what decodes
// must encode back to a message that decodes to the same thing.

#include "fuzz.hpp"

#include <cpd/util/protocol.hpp>

#include <string>

namespace {

bool
same(const cpd::protocol::Request& a, const cpd::protocol::Request& b)
{
  if (a.args != b.args || a.files.size() != b.files.size() || a.confirmed != b.confirmed
      || a.terminal.columns != b.terminal.columns
      || a.terminal.err_columns != b.terminal.err_columns
      || a.terminal.out_tty != b.terminal.out_tty || a.terminal.in_tty != b.terminal.in_tty
      || a.terminal.colour != b.terminal.colour || a.terminal.err_colour != b.terminal.err_colour) {
    return false;
  }
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    if (a.files[i].path != b.files[i].path || a.files[i].content != b.files[i].content) {
      return false;
    }
  }
  return true;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  using cpd::ErrorKind;
  namespace protocol = cpd::protocol;

  if (bytes.size() >= protocol::k_header_size) {
    fuzz::accepts({ErrorKind::bad_input}, [&] {
      const auto header = protocol::parse_header(bytes);
      fuzz::check(bytes.substr(0, 3) == "cpd");
      (void)header;
    });
  }

  protocol::Request request;
  if (fuzz::accepts({ErrorKind::bad_input}, [&] { request = protocol::decode_request(bytes); })) {
    fuzz::check(!request.args.empty());
    fuzz::check(request.args.size() <= protocol::k_max_args);
    fuzz::check(request.files.size() <= protocol::k_max_files);
    const auto again = protocol::decode_request(protocol::encode(request));
    fuzz::check(same(request, again));
  }

  protocol::Response response;
  if (fuzz::accepts({ErrorKind::bad_input}, [&] { response = protocol::decode_response(bytes); })) {
    fuzz::check(response.status >= 0 && response.status <= 255);
    const auto again = protocol::decode_response(protocol::encode(response));
    fuzz::check(again.status == response.status && again.out == response.out
                && again.err == response.err && again.files.size() == response.files.size()
                && again.confirm.has_value() == response.confirm.has_value());
  }
  return 0;
}
