#include "testutil.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace testutil {

namespace {
bool g_skipped = false;
} // namespace

void
skip(const std::string& why)
{
  const char* ci = std::getenv("CI");
  if (ci != nullptr && *ci != '\0') {
    FAIL("cannot check, and CI must: " << why);
  }
  MESSAGE("skipped: " << why);
  g_skipped = true;
}

bool
skipped()
{
  return g_skipped;
}

TempDir::TempDir()
{
  std::string pattern = (std::filesystem::temp_directory_path() / "cpd-unit-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temporary directory");
  }
  m_path = pattern;
}

TempDir::~TempDir()
{
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

void
write_file(const std::filesystem::path& path, const std::string& content)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

std::string
read_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string
lines(const std::vector<std::string>& texts)
{
  std::string text;
  for (const auto& line : texts) {
    text += "\n  " + line;
  }
  return text;
}

} // namespace testutil
