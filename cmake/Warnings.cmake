# Warnings for first-party targets only; -Werror where CPD_WERROR is on (CI).
add_library(cpd_warnings INTERFACE)
target_compile_options(cpd_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wnull-dereference -Wconversion -Wno-sign-conversion
  $<$<BOOL:${CPD_WERROR}>:-Werror>)
