// The unit tests' main: doctest's, except that
// - a run that executes no test case fails (a filter that matches nothing,
//   such as a CTest entry whose name no case has, checks nothing);
// - a run in which every test case that ran passed but one could not check
//   (its oracle is missing: see testutil::skip) exits 77, which CTest
//   reports as skipped, not passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include "testutil.hpp"

#include <doctest/doctest.h>

#include <cstdio>

namespace {

// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): written by the listener
unsigned g_cases_run = 0;

// Counts the test cases that ran: doctest's own result is 0 for a run of none.
struct CaseCounter : doctest::IReporter
{
  explicit CaseCounter(const doctest::ContextOptions& /*options*/)
  {}

  void
  report_query(const doctest::QueryData& /*data*/) override
  {}
  void
  test_run_start() override
  {}
  void
  test_run_end(const doctest::TestRunStats& stats) override
  {
    g_cases_run = stats.numTestCasesPassingFilters;
  }
  void
  test_case_start(const doctest::TestCaseData& /*data*/) override
  {}
  void
  test_case_reenter(const doctest::TestCaseData& /*data*/) override
  {}
  void
  test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override
  {}
  void
  test_case_exception(const doctest::TestCaseException& /*exception*/) override
  {}
  void
  subcase_start(const doctest::SubcaseSignature& /*signature*/) override
  {}
  void
  subcase_end() override
  {}
  void
  log_assert(const doctest::AssertData& /*data*/) override
  {}
  void
  log_message(const doctest::MessageData& /*data*/) override
  {}
  void
  test_case_skipped(const doctest::TestCaseData& /*data*/) override
  {}
};

} // namespace

REGISTER_LISTENER("case_counter", 1, CaseCounter);

int
main(int argc, char** argv)
{
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit() || result != 0) {
    return result;
  }
  if (g_cases_run == 0) {
    std::fputs("no test case ran: a test that runs nothing checks nothing\n", stderr);
    return 1;
  }
  return testutil::skipped() ? testutil::k_skip_status : 0;
}
