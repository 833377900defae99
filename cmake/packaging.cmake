# cpack -G DEB (run in the build directory) makes two Debian packages, the usual split:
#   dcvkit_<version>_<arch>.deb      the dcvkit and dcvkit-sandbox commands and their documentation;
#                                    Depends computed by dpkg-shlibdeps from the executables.
#   dcvkit-dev_<version>_<arch>.deb  headers, static library, CMake package, dcvkit.pc (component dev);
#                                    Depends on the -dev packages the static library's users link.
# Operators and hosting providers need only the first; nothing in it depends on the second.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dcvkit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR dcvkit)
set(CPACK_PACKAGE_CONTACT "dcvkit <dev@dcvkit.invalid>")
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPackDeb would put that one synopsis on both packages; the
# first line of each component's description below is its synopsis instead.
set(DCVKIT_HOMEPAGE_URL "" CACHE STRING "Homepage field of the Debian packages (left out when empty)")
if(DCVKIT_HOMEPAGE_URL)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${DCVKIT_HOMEPAGE_URL}")
endif()
set(CPACK_STRIP_FILES ON)  # the build is RelWithDebInfo; packages ship without the debug info

set(CPACK_DEB_COMPONENT_INSTALL ON)
# The install components (docs: man pages, completion, guides from cmake/docs-install.cmake) go into
# the two packages as groups: runtime + docs -> dcvkit, dev -> dcvkit-dev.
set(CPACK_COMPONENTS_ALL runtime docs dev)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME dcvkit)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)  # needs dpkg-shlibdeps (dpkg-dev) and file
# The IANA root trust anchor `dcvkit check` validates DNSSEC from by default.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "dns-root-data")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "DigiCert-style DV immediate issuance from the command line
dcvkit computes the request token for a CSR and AuthKey, plans and publishes it (webroot file,
RFC 2136 dynamic update, hook command), checks every name the way the CA will (all
authoritative nameservers, the CA's HTTP fetch rules) and orders the certificate through the
CertCentral API without ever ordering twice. dcvkit-sandbox is a local CertCentral-compatible
CA for trying it out and for tests.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME dcvkit-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# What a consumer of the static library needs to link it (the Requires of dcvkit.pc, the
# find_dependency calls of dcvkitConfig.cmake), plus pkg-config for both ways of finding it.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "libssl-dev (>= 3.0), libcurl4-openssl-dev | libcurl-dev, libidn2-dev, libldns-dev, libc-ares-dev, libunbound-dev, libpsl-dev, libsqlite3-dev, pkg-config")
set(CPACK_DEBIAN_DEV_DESCRIPTION
  "DigiCert-style DV immediate issuance - C++ library and headers
The static library behind the dcvkit command, its C++17 headers, a CMake package
(find_package(dcvkit) gives dcvkit::dcvkit) and a pkg-config file (dcvkit.pc).")

include(CPack)
cpack_add_component_group(runtime)
cpack_add_component_group(dev)
cpack_add_component(runtime GROUP runtime)
cpack_add_component(docs GROUP runtime)
cpack_add_component(dev GROUP dev)
