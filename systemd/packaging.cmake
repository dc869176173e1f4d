# Install rules and the Debian package for smm-dispatchd. Included at the end of the
# top-level CMakeLists.txt, after every target exists:
#   include(systemd/packaging.cmake)
# `cmake --install BUILD` installs under CMAKE_INSTALL_PREFIX (the unit's ExecStart= follows
# it); `cpack -G DEB` from a Release build dir builds smm-dispatchd_<version>_<arch>.deb
# installing to /usr. smm-dispatchd and smm-dispatchctl are installed; smm-mockprovider and the
# static libraries are development tools.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(smm_pkg_dir ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(smm_src_dir ${smm_pkg_dir} DIRECTORY)

if(TARGET smm-dispatchd)
  install(TARGETS smm-dispatchd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(TARGET smm-dispatchctl)
  install(TARGETS smm-dispatchctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The unit names /usr/bin/smm-dispatchd; rewritten at install time to the actual prefix
# (CPack installs with prefix /usr, a plain `cmake --install` often with /usr/local).
# lib/systemd/system under /usr or /usr/local is on systemd's unit search path.
set(smm_unit_staged ${CMAKE_BINARY_DIR}/systemd-install/smm-dispatchd.service)
install(CODE "
  file(READ \"${smm_pkg_dir}/smm-dispatchd.service\" smm_unit)
  string(REPLACE \"/usr/bin/smm-dispatchd\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/smm-dispatchd\"
         smm_unit \"\${smm_unit}\")
  file(WRITE \"${smm_unit_staged}\" \"\${smm_unit}\")
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\" TYPE FILE
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES \"${smm_unit_staged}\")
")

# The example config sits next to where the real one goes; the operator copies and edits it
# (the unit does not start until /etc/smm-dispatchd/smm-dispatchd.toml exists). /etc is
# absolute on purpose: Debian keeps configuration there whatever the prefix.
set(SMM_SYSCONF_DIR /etc/smm-dispatchd CACHE PATH "where the config and its example are installed")
install(FILES ${smm_src_dir}/config/examples/production.toml DESTINATION ${SMM_SYSCONF_DIR}
        RENAME smm-dispatchd.toml.example)

set(smm_doc_dir ${CMAKE_INSTALL_DATADIR}/doc/smm-dispatchd)
install(FILES ${smm_src_dir}/README.md DESTINATION ${smm_doc_dir})
if(EXISTS ${smm_src_dir}/docs/operations.md)
  install(FILES ${smm_src_dir}/docs/operations.md DESTINATION ${smm_doc_dir})
endif()
install(FILES ${smm_src_dir}/config/examples/production.toml DESTINATION ${smm_doc_dir}/examples)

# --- Debian package --------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME smm-dispatchd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "smm-dispatchd")
set(CPACK_PACKAGE_CONTACT "smm-dispatchd maintainers <smm-dispatchd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SMM panel order dispatcher daemon")
set(CPACK_PACKAGE_DESCRIPTION
    "smm-dispatchd takes orders from an SMM panel over a local socket, places them with\nupstream providers over the SMM panel API v2, follows every order to a final state in a\nSQLite journal, and tells the panel the refund owed and whether an order may be refilled.\nIt runs as a hardened systemd service.")
# DESTDIR staging, so the absolute /etc destination lands in the package and the unit's
# ExecStart= is rewritten with the packaging prefix (/usr), not a staging path.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps (package dpkg-dev); the scripts need these.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.54~)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "sqlite3")

# conffiles: dpkg keeps the operator's edits to the example across upgrades.
set(smm_deb_dir ${CMAKE_BINARY_DIR}/systemd-deb)
file(WRITE ${smm_deb_dir}/conffiles "${SMM_SYSCONF_DIR}/smm-dispatchd.toml.example\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${smm_deb_dir}/conffiles ${smm_pkg_dir}/debian/postinst
    ${smm_pkg_dir}/debian/prerm ${smm_pkg_dir}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
