#!/usr/bin/env bash
# The one list of Debian packages dcvkit needs to build, test and benchmark.
# Used by the README quick start, .ci/run and developers alike; idempotent.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config git ccache
  # libraries (the design card's stack + the well-kept helpers)
  libssl-dev libboost-dev libcurl4-openssl-dev nlohmann-json3-dev libcxxopts-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libc-ares-dev libldns-dev libidn2-dev libsqlite3-dev libcpp-httplib-dev libpsl-dev
  # DNSSEC validation (issue 14): libunbound from the IANA root trust anchor in dns-root-data
  libunbound-dev dns-root-data
  # real servers and independent clients for the integration tests
  openssl bind9 bind9-utils bind9-dnsutils knot knot-dnsutils nginx-light curl
  # the ACME test CA (issue 16: tests/test_acme_pebble.cpp)
  pebble
  # bench_acme measures dcvkit against the ACME clients people use today (issue 16)
  lego certbot
  # PowerDNS Authoritative with its HTTP API, for the powerdns publish provider (sqlite3 loads its schema)
  pdns-server pdns-backend-sqlite3 sqlite3
  # load generators: the server-bound limits bench/bench_check compares against
  dnsperf wrk
  # the HTML report is opened in a real browser by the tests
  chromium
  # cpack -G DEB: dpkg-shlibdeps computes the package's Depends (tools/package-test.sh);
  # systemd-analyze verify checks the packaged renewal units
  dpkg-dev file systemd
  # fuzzing (tools/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # docs tests: man pages rendered with groff/man, CI snippets parsed as YAML, curl in docs/sandbox.md
  groff-base man-db python3-yaml curl
  # run --metrics-file is read back with a real Prometheus text parser
  python3-prometheus-client
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The packaged daemons must not run system-wide: tests start their own on loopback.
for svc in named bind9 knot nginx pdns; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
