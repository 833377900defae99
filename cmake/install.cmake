# What `cmake --install` adds for library consumers beside the targets' own install() rules
# (src/, tools/sandbox/): the CMake package (find_package(dcvkit) -> dcvkit::dcvkit) and dcvkit.pc.
# Both are relocatable, because the tree is configured for one prefix (/usr/local) but installed
# into others: /usr by the .deb, a temporary directory by tools/package-test.sh.
include(CMakePackageConfigHelpers)

# The pkg-config modules in the static library's link interface, as PREFIX=module: the exported
# target refers to them as PkgConfig::PREFIX, so a consumer's find_package must recreate exactly
# those targets. Keep in step with the pkg_check_modules() calls in the root CMakeLists.txt.
set(DCVKIT_PKG_DEPS IDN2=libidn2 LDNS=ldns CARES=libcares PSL=libpsl SQLITE3=sqlite3)

# --strip (cpack's CPACK_STRIP_FILES) strips executables only: the static library would keep its
# debug info (~100 MB in a RelWithDebInfo build). Runs after src/'s install of the archive.
install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:dcvkit>\"
    COMMAND_ERROR_IS_FATAL ANY)
endif()" COMPONENT dev)

set(DCVKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dcvkit)
install(EXPORT dcvkitTargets NAMESPACE dcvkit:: DESTINATION ${DCVKIT_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/dcvkitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/dcvkitConfig.cmake INSTALL_DESTINATION ${DCVKIT_CMAKE_DIR})
# 0.x: a minor release may change the API, so only the same major.minor satisfies a request.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dcvkitConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dcvkitConfig.cmake ${PROJECT_BINARY_DIR}/dcvkitConfigVersion.cmake
  DESTINATION ${DCVKIT_CMAKE_DIR} COMPONENT dev)

# dcvkit.pc finds its prefix from its own location (${pcfiledir}), see above.
set(DCVKIT_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(DCVKIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH DCVKIT_PC_PREFIX "/prefix/${DCVKIT_PC_DIR}" "/prefix")
  set(DCVKIT_PC_PREFIX "\${pcfiledir}/${DCVKIT_PC_PREFIX}")
endif()
set(DCVKIT_PC_REQUIRES "libcrypto >= 3.0" "libssl >= 3.0" libcurl)
foreach(dep IN LISTS DCVKIT_PKG_DEPS)
  string(REGEX REPLACE "^[^=]*=" "" module "${dep}")
  list(APPEND DCVKIT_PC_REQUIRES ${module})
endforeach()
list(JOIN DCVKIT_PC_REQUIRES ", " DCVKIT_PC_REQUIRES)
configure_file(${CMAKE_CURRENT_LIST_DIR}/dcvkit.pc.in ${PROJECT_BINARY_DIR}/dcvkit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/dcvkit.pc DESTINATION ${DCVKIT_PC_DIR} COMPONENT dev)
