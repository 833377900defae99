# The daily renewal as systemd units (systemd/dcvkit-renew.{service,timer}), in the runtime package.
# <prefix>/lib/systemd/system is on systemd's unit path for both /usr (the Debian package) and
# /usr/local; ExecStart names plain `dcvkit`, which systemd finds in /usr/local/bin or /usr/bin.
install(FILES ${PROJECT_SOURCE_DIR}/systemd/dcvkit-renew.service ${PROJECT_SOURCE_DIR}/systemd/dcvkit-renew.timer
        DESTINATION lib/systemd/system COMPONENT runtime)
