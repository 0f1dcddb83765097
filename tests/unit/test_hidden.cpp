// Hidden characters: what a terminal or a mail reader obeys or hides rather
// than shows, refused in what members write and escaped wherever it is shown.

#include <cpd/util/text.hpp>

#include <doctest/doctest.h>

#include <string>

TEST_CASE("bidirectional overrides and isolates count as control characters")
{
  using cpd::AllowNewlines;
  for (const char* bidi :
       {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}) {
    CHECK(cpd::has_control_characters(std::string("cert") + bidi + "fdp.exe", AllowNewlines::yes));
  }
  // Neighbours that are ordinary text.
  CHECK_FALSE(cpd::has_control_characters("\u202f \u2065 \u206a \u2010 \u200a", AllowNewlines::no));
  CHECK_FALSE(
    cpd::has_control_characters("\U000dffff \U000e0080 \u061b \u061d", AllowNewlines::no));
  CHECK_FALSE(cpd::has_control_characters("Prüfung – Vermessung", AllowNewlines::no));
  CHECK_FALSE(cpd::has_control_characters("\u00ac \u00ae \u034e \u3165 \ufe0f", AllowNewlines::no));
}

TEST_CASE("marks, separators, zero-width and tag characters are hidden characters too")
{
  using cpd::AllowNewlines;
  for (const char* hidden :
       {"\u200e",     "\u200f",     "\u061c",   "\u2028",  "\u2029",     "\u200b",     "\u200c",
        "\u200d",     "\u2060",     "\ufeff",   "\u00ad",  "\u034f",     "\u115f",     "\u1160",
        "\u17b4",     "\u180e",     "\u3164",   "\uffa0",  "\U0001bca0", "\U0001d173", "\U000e0001",
        "\U000e0041", "\U000e007f", "\xc2\x80", "\xc2\x9f"}) {
    CAPTURE(hidden);
    const auto text = std::string("ann") + hidden + "bob";
    CHECK(cpd::has_control_characters(text, AllowNewlines::yes));
    CHECK_FALSE(cpd::first_control_character(text, AllowNewlines::yes).empty());
    const auto shown = cpd::escape_hidden(text, AllowNewlines::no);
    CHECK_FALSE(cpd::has_control_characters(shown, AllowNewlines::no));
    CHECK(shown.starts_with("ann\\"));
    CHECK(shown.ends_with("bob"));
  }
  CHECK(cpd::first_control_character("a\u202eb", AllowNewlines::no) == "U+202E");
  CHECK(cpd::first_control_character("a\U000e0041", AllowNewlines::no) == "U+E0041");
  CHECK(cpd::first_control_character("a\nb\tc", AllowNewlines::yes).empty());
  CHECK(cpd::first_control_character("a\nb", AllowNewlines::no) == "U+000A");
}

TEST_CASE("escape_hidden writes out what a terminal would obey, and keeps the rest")
{
  using cpd::AllowNewlines;
  CHECK(cpd::escape_hidden("Zoë Ångström 日本", AllowNewlines::no) == "Zoë Ångström 日本");
  CHECK(cpd::escape_hidden("a\x1b[2Jb", AllowNewlines::no) == "a\\x1b[2Jb");
  CHECK(cpd::escape_hidden("a\nb\rc", AllowNewlines::no) == "a\\nb\\rc");
  CHECK(cpd::escape_hidden("a\nb\tc", AllowNewlines::yes) == "a\nb\tc");
  CHECK(cpd::escape_hidden("a\rb", AllowNewlines::yes) == "a\\rb");
  CHECK(cpd::escape_hidden("\xc2\x9b"
                           "31m",
                           AllowNewlines::no)
        == "\\u009b31m");
  CHECK(cpd::escape_hidden("cert\u202efdp.exe", AllowNewlines::no) == "cert\\u202efdp.exe");
  CHECK(cpd::escape_hidden("x\U000e0041", AllowNewlines::no) == "x\\U000e0041");
  CHECK(cpd::escape_hidden("bad \xff byte", AllowNewlines::no) == "bad \\xff byte");
}
