# Writes the files under data/ that cpd needs at run time into a C++ source,
# so the binary carries its schema, points table and templates with it.
# Usage (script mode): cmake -DOUTPUT=... -DDATA_DIR=... -DFILES="a;b" -P Embed.cmake
set(delimiter "cpd_embed")
set(body "")
foreach(name IN LISTS FILES)
  file(READ "${DATA_DIR}/${name}" content)
  string(FIND "${content}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${name} contains the raw-string delimiter")
  endif()
  string(APPEND body "  {\"${name}\", R\"${delimiter}(${content})${delimiter}\"},\n")
endforeach()
set(source "// Generated from data/ by lib/embed.cmake; do not edit.
#include <cpd/util/embedded.hpp>

namespace cpd {

std::span<const EmbeddedFile>
embedded_files()
{
  static constexpr EmbeddedFile k_files[] = {
${body}  };
  return k_files;
}

} // namespace cpd
")
file(WRITE "${OUTPUT}.tmp" "${source}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
