# Run by `cmake --install` after the binary is installed: cpd is meant to be
# setgid to the group cpd (cpd(1), SECURITY). Done when the installing user
# can (root, and the group exists); otherwise the message says how to finish.
# Packages do it in their maintainer scripts, so staged installs are left be.
if(IS_ABSOLUTE "${cpd_bindir}")
  set(cpd_binary "$ENV{DESTDIR}${cpd_bindir}/cpd")
  set(cpd_target "${cpd_bindir}/cpd")
else()
  set(cpd_binary "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${cpd_bindir}/cpd")
  set(cpd_target "${CMAKE_INSTALL_PREFIX}/${cpd_bindir}/cpd")
endif()
set(cpd_finish "To finish, as root:
    getent group cpd || groupadd --system cpd
    chgrp cpd ${cpd_target} && chmod 2755 ${cpd_target}
    install -d -o root -g cpd -m 2770 /var/lib/cpd
  then: sudo cpd init --login SECRETARY --name NAME --email ADDRESS (see cpd(1), SECURITY).")

execute_process(COMMAND id -u OUTPUT_VARIABLE cpd_uid OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND getent group cpd RESULT_VARIABLE cpd_no_group OUTPUT_QUIET ERROR_QUIET)
if(CMAKE_INSTALL_PREFIX MATCHES "/_CPack_Packages/")
  # The .deb's postinst sets the group and mode with dpkg-statoverride.
elseif(NOT "$ENV{DESTDIR}" STREQUAL "")
  message(STATUS "cpd is staged in $ENV{DESTDIR} without setgid. ${cpd_finish}")
elseif(NOT cpd_uid STREQUAL "0" OR NOT cpd_no_group EQUAL 0)
  message(STATUS "cpd is installed without setgid: the group cpd is missing or you are not root. ${cpd_finish}")
else()
  execute_process(COMMAND chgrp cpd "${cpd_binary}" COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND chmod 2755 "${cpd_binary}" COMMAND_ERROR_IS_FATAL ANY)
  message(STATUS "Set ${cpd_binary} to group cpd, mode 2755 (setgid)")
  if(NOT EXISTS /var/lib/cpd)
    message(STATUS "Create the database folder: install -d -o root -g cpd -m 2770 /var/lib/cpd")
  endif()
endif()
