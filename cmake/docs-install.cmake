# Installs what a user reads: the man pages, the bash completion and the guides.
# Included from the root CMakeLists.txt (the lead wires it in next to the other install rules).
include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/man/dcvkit.1 ${PROJECT_SOURCE_DIR}/man/dcvkit-sandbox.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT docs)
# bash-completion loads completions/<command> on first use of the command.
install(FILES ${PROJECT_SOURCE_DIR}/completion/dcvkit.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME dcvkit COMPONENT docs)
install(FILES ${PROJECT_SOURCE_DIR}/docs/getting-started.md ${PROJECT_SOURCE_DIR}/docs/manifest.md
              ${PROJECT_SOURCE_DIR}/docs/reason-codes.md ${PROJECT_SOURCE_DIR}/docs/sandbox.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT docs)
