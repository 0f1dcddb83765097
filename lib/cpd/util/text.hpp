#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cpd {

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
bool valid_utf8(std::string_view text);

// True for a character that a terminal or a mail reader obeys or hides
// rather than shows, so that text reads other than it is ("gpj.exe" as
// "exe.jpg", two names that look the same, a line that is not one): C0
// controls (U+0000..U+001F), DEL, C1 controls (U+0080..U+009F), the
// bidirectional marks (U+200E, U+200F, U+061C), embeddings and overrides
// (U+202A..U+202E) and isolates (U+2066..U+2069), the line and paragraph
// separators (U+2028, U+2029), zero-width characters (U+200B..U+200D,
// U+2060, U+FEFF), the other characters shown as nothing (the soft hyphen
// U+00AD, the grapheme joiner U+034F, the Hangul fillers U+115F, U+1160,
// U+3164, U+FFA0, U+17B4, U+17B5, U+180E, U+1BCA0..U+1BCA3,
// U+1D173..U+1D17A) and tag characters (U+E0000..U+E007F).
bool hidden_character(char32_t c);

// True when `text` holds a hidden character (above). AllowNewlines::yes
// lets \n and \t pass (never \r). Used to refuse them in names, emails,
// notes and reasons.
enum class AllowNewlines { no, yes };
bool has_control_characters(std::string_view text, AllowNewlines newlines);

// The first hidden character in `text` (AllowNewlines as above), as
// "U+202E"; empty when there is none. For errors that name it.
std::string first_control_character(std::string_view text, AllowNewlines newlines);

// `text` as it may be shown at a terminal or in a mail: every hidden
// character written out instead, \n as "\n", \r as "\r", other C0
// controls and bytes that are not UTF-8 as "\x1b", the rest as "\u202e"
// or "\U000e0041". AllowNewlines::yes keeps \n and \t as they are.
// The one place text from members is made safe to show.
std::string escape_hidden(std::string_view text, AllowNewlines newlines);

// The media type of an attachment, from its leading bytes (any prefix of the
// file) and then its name's extension; "application/octet-stream" when
// neither tells. Text is "text/plain; charset=utf-8" when it is valid UTF-8.
std::string media_type(std::string_view file_name, std::string_view first_bytes);

// The last component of `path` ("a/b/c.pdf" -> "c.pdf"; trailing slashes are
// ignored). Nothing for "", ".", "..", or a name that is not valid UTF-8 or
// holds control characters.
std::optional<std::string> base_name(std::string_view path);

// Terminal columns `text` takes: one per code point, two for East Asian wide
// and fullwidth ones, none for combining marks and zero-width characters.
// Each byte of invalid UTF-8 counts as one column.
std::size_t display_width(std::string_view text);

// `text` followed by spaces up to `width` columns; unchanged when it is
// already as wide or wider (never truncated).
std::string display_width_pad(std::string_view text, std::size_t width);

// The Levenshtein distance between two strings, counted in code points
// (each byte of invalid UTF-8 is one unit); case matters.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` ignoring ASCII case, for "did you mean
// ...?": only when the distance is at most max(2, length / 3) and less than
// the longer length (a total rewrite is no suggestion). Ties go to the
// earlier candidate; nothing for an empty word.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "; did you mean 'CANDIDATE'?" for closest_match's pick, to end a refusal;
// empty when there is none.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// `text` as lines of at most `width` columns, broken between words (a word
// longer than the width gets a line of its own); its own line breaks are
// kept.
std::string wrap(std::string_view text, std::size_t width);

// `text` with no line wider than `limit` columns where words allow: a
// paragraph of prose (lines that start with no space) with a line wider is
// wrapped again whole to `width`; an indented line wider (a list's item, a
// quote) is broken alone to `width`, its continuation lines under it (a
// quote's keep its "> "). A paragraph that fits, and a word wider than a
// line, are left as they are.
std::string fold_long_lines(std::string_view text, std::size_t limit, std::size_t width);

// "1 member", "2 members", "0 members"; `plural` for nouns that do not
// just take an s ("activity", "activities").
std::string count_phrase(std::size_t count, std::string_view noun, std::string_view plural = {});

// A stable 64-bit FNV-1a hash: the same on every run and machine, for names
// and identifiers derived from content (not for security).
std::uint64_t fnv1a(std::string_view text);

} // namespace cpd
