// libFuzzer target for the verification codes of `cpd verify`:
// parse_statement_code and verify_statement on a database holding one
// statement, and the canonical encoding the codes are computed over.
// Input: "CODE\0CONTENT" (or the code alone). A code parses to 16 digits of
// the alphabet that format and parse back to themselves, or to nothing;
// verify refuses what is not a statement's code, with the documented kinds
// only; a content decodes to a statement that encodes back to it, or is
// refused as bad input.

#include "fuzz.hpp"

#include <cpd/admin/setup.hpp>
#include <cpd/claims/claims.hpp>
#include <cpd/ledger/members.hpp>
#include <cpd/mail/events.hpp>
#include <cpd/store/database.hpp>
#include <cpd/year/statement.hpp>

#include <string>

namespace {

constexpr std::string_view k_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct Scheme
{
  cpd::Database db = cpd::Database::open_memory();
  std::string code;

  Scheme()
  {
    const cpd::Context sec{"sec", cpd::Date(2017, 3, 15), 1489536000};
    cpd::install_mail(db);
    cpd::initialize(db, sec, {"Sam Secretary", "sec@example.org", "IIMS", {}});
    code = cpd::issue_statement(db, cpd::Authority::member(db, sec), std::nullopt, 2017).code;
  }
};

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  using fuzz::check;
  static Scheme scheme;
  // Structured bindings cannot be captured by clang 14's lambdas.
  const auto fields = fuzz::split(fuzz::as_text(data, size));
  const auto code_text = fields.first;
  const auto content = fields.second;

  const auto code = cpd::parse_statement_code(code_text);
  if (code) {
    check(code->size() == 16);
    for (const char c : *code) {
      check(k_alphabet.find(c) != std::string_view::npos);
    }
    const auto formatted = cpd::format_statement_code(*code);
    check(formatted.size() == 19);
    check(cpd::parse_statement_code(formatted) == code);
  }
  const bool found = fuzz::accepts({cpd::ErrorKind::refused, cpd::ErrorKind::bad_input}, [&] {
    const auto statement = cpd::verify_statement(scheme.db, code_text);
    check(statement.code == scheme.code);
    check(statement.member == "sec");
  });
  check(found == (code == scheme.code));

  fuzz::accepts({cpd::ErrorKind::bad_input}, [&] {
    const auto statement = cpd::decode_statement(content);
    const auto again = cpd::encode_statement(statement);
    check(cpd::encode_statement(cpd::decode_statement(again)) == again);
  });
  return 0;
}
