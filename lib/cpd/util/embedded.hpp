#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace cpd {

// A file from data/ compiled into the binary.
struct EmbeddedFile
{
  std::string_view name; // path below data/, e.g. "schema/0001-initial.sql"
  std::string_view content;
};

// Every embedded file, sorted by name.
std::span<const EmbeddedFile> embedded_files();

// The content of one embedded file, or nothing.
std::optional<std::string_view> embedded_file(std::string_view name);

} // namespace cpd
