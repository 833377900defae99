#!/usr/bin/env bash
# Packaging test (CI, after the plain build): what a user gets from `cmake --install` and from the
# Debian packages works, and the machine is left as it was found.
#   tools/package-test.sh BUILD_DIR
# 1. cmake --install into a temporary prefix (no root): every installed header compiles on its own
#    include path, and a consumer builds and runs against the prefix via find_package(dcvkit) and
#    via pkg-config.
# 2. cpack -G DEB in BUILD_DIR; apt-get install the packages; /usr/bin/dcvkit --version says the
#    project version; the renewal units are installed and `systemd-analyze verify` accepts them;
#    both consumers again against /usr; apt-get remove, plus whatever apt pulled in.
# shellcheck disable=SC2015  # "A && B || die": die when either fails, which is what is meant
set -euo pipefail

die() {
  echo "package-test: FAILED: $*" >&2
  exit 1
}
step() { echo "== package-test: $*"; }
installed_packages() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }

[ $# -eq 1 ] || die "usage: tools/package-test.sh BUILD_DIR (a configured and built dcvkit build directory)"
SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(cd "$1" 2>/dev/null && pwd) || die "build directory '$1' does not exist"
[ -f "$BUILD_DIR/CPackConfig.cmake" ] ||
  die "'$BUILD_DIR' is not a configured dcvkit build directory (no CPackConfig.cmake): run cmake -S . -B $1 first"
VERSION=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$BUILD_DIR/CPackConfig.cmake")
[ -n "$VERSION" ] || die "no CPACK_PACKAGE_VERSION in $BUILD_DIR/CPackConfig.cmake"
ARCH=$(dpkg --print-architecture)
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

WORK=$(mktemp -d /tmp/dcvkit-pkg-XXXXXX)
INSTALLED_BY_US=""  # the packages this script added to the machine, removed on every exit
cleanup() {
  if [ -n "$INSTALLED_BY_US" ]; then
    echo "== package-test: removing $INSTALLED_BY_US"
    # shellcheck disable=SC2086  # a list of package names
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq $INSTALLED_BY_US >/dev/null ||
      echo "package-test: WARNING: could not remove $INSTALLED_BY_US: remove them by hand" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A reference vector (tests/data/token-vectors.jsonl, pub-001): a consumer must print its token.
VECTORS="$SOURCE_DIR/tests/data/token-vectors.jsonl"
vector_field() { grep -m1 '"id": "pub-001"' "$VECTORS" | sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p"; }
printf '%b' "$(vector_field csr)" >"$WORK/vector.csr"
VECTOR_KEY=$(vector_field auth_key)
VECTOR_TS=$(vector_field timestamp)
VECTOR_TOKEN=$(vector_field token)
grep -q -- '-----BEGIN CERTIFICATE REQUEST-----' "$WORK/vector.csr" && [ ${#VECTOR_TOKEN} -eq 64 ] ||
  die "could not read vector pub-001 from $VECTORS"

# run_consumer LABEL DIR: DIR holds the consumer's dcvkit-example-token and dcvkit-example-check-batch.
run_consumer() {
  local label=$1 dir=$2 out
  out=$(DCVKIT_AUTH_KEY="$VECTOR_KEY" "$dir/dcvkit-example-token" "$WORK/vector.csr" "$VECTOR_TS") ||
    die "$label: dcvkit-example-token failed (exit $?): $out"
  grep -qx "token *$VECTOR_TOKEN" <<<"$out" ||
    die "$label: dcvkit-example-token printed a token other than vector pub-001's $VECTOR_TOKEN: $out"
  # An invalid name is judged without any network: the batch engine runs and answers with a reason.
  local rc=0
  out=$("$dir/dcvkit-example-check-batch" "$VECTOR_TOKEN" "bad..name.example.test") || rc=$?
  [ "$rc" -eq 1 ] && grep -q '^bad..name.example.test name.empty_label: ' <<<"$out" ||
    die "$label: dcvkit-example-check-batch should fail the name with name.empty_label (exit 1), got exit $rc: $out"
  echo "   $label: consumer ok"
}

# cmake_consumer LABEL EXPECTED_DCVKIT_DIR [CMAKE ARGS...]: examples/ on its own, via find_package.
cmake_consumer() {
  local label=$1 expected_dir=$2 build="$WORK/consumer-cmake-$1" found
  shift 2
  cmake -S "$SOURCE_DIR/examples" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >"$build.log" 2>&1 ||
    die "$label: configuring examples/ with find_package(dcvkit) failed:$(echo; tail -20 "$build.log")"
  found=$(sed -n 's/^dcvkit_DIR:PATH=//p' "$build/CMakeCache.txt")
  [ "$(realpath -m "$found")" = "$(realpath -m "$expected_dir")" ] ||
    die "$label: find_package(dcvkit) used '$found', not the package under test in '$expected_dir'"
  cmake --build "$build" -j "$(nproc)" >>"$build.log" 2>&1 ||
    die "$label: building examples/ against the package failed:$(echo; tail -20 "$build.log")"
  run_consumer "$label (find_package)" "$build"
}

# pkgconfig_consumer LABEL EXPECTED_PC_FILE: the examples compiled with `pkg-config --cflags --libs dcvkit`.
pkgconfig_consumer() {
  local label=$1 expected_pc=$2 build="$WORK/consumer-pc-$1" flags pc
  mkdir -p "$build"
  pc=$(pkg-config --path dcvkit) || die "$label: pkg-config cannot find dcvkit (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-})"
  [ "$(realpath -m "$pc")" = "$(realpath -m "$expected_pc")" ] ||
    die "$label: pkg-config found '$pc', not the package under test '$expected_pc'"
  flags=$(pkg-config --cflags --libs dcvkit) || die "$label: pkg-config --cflags --libs dcvkit failed"
  local example
  for example in token check_batch; do
    # shellcheck disable=SC2086  # the flags are words
    g++ -std=c++17 -O1 -o "$build/dcvkit-example-${example//_/-}" "$SOURCE_DIR/examples/$example.cpp" $flags \
      >"$build/$example.log" 2>&1 ||
      die "$label: g++ examples/$example.cpp \$(pkg-config --cflags --libs dcvkit) failed [$flags]:$(echo; tail -20 "$build/$example.log")"
  done
  run_consumer "$label (pkg-config)" "$build"
}

step "build $BUILD_DIR (version $VERSION) if not up to date"
cmake --build "$BUILD_DIR" -j "$(nproc)" --target dcvkit dcvkit-cli dcvkit-sandbox >/dev/null ||
  die "building dcvkit in $BUILD_DIR failed"

step "cmake --install into a temporary prefix"
PREFIX="$WORK/prefix"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" || die "cmake --install failed: $(cat "$WORK/install.log")"
LIBDIR=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$BUILD_DIR/CMakeCache.txt")
for f in bin/dcvkit bin/dcvkit-sandbox include/dcvkit/token.hpp include/dcvkit/check_batch.hpp "$LIBDIR/libdcvkit.a" \
  "$LIBDIR/cmake/dcvkit/dcvkitConfig.cmake" "$LIBDIR/cmake/dcvkit/dcvkitConfigVersion.cmake" \
  "$LIBDIR/cmake/dcvkit/dcvkitTargets.cmake" "$LIBDIR/pkgconfig/dcvkit.pc" lib/systemd/system/dcvkit-renew.service \
  lib/systemd/system/dcvkit-renew.timer; do
  [ -e "$PREFIX/$f" ] || die "cmake --install did not install $f"
done
"$PREFIX/bin/dcvkit" --version | grep -qx "dcvkit $VERSION (.*)" || die "$PREFIX/bin/dcvkit --version does not say $VERSION"
# The public headers must need nothing that is not installed (no src/ header, no dependency's header).
for h in "$PREFIX"/include/dcvkit/*.hpp; do echo "#include \"dcvkit/$(basename "$h")\""; done >"$WORK/all_headers.cpp"
g++ -std=c++17 -fsyntax-only -Wall -Wextra -I "$PREFIX/include" "$WORK/all_headers.cpp" 2>"$WORK/headers.log" ||
  die "the installed headers do not compile on their own:$(echo; head -20 "$WORK/headers.log")"
cmake_consumer prefix "$PREFIX/$LIBDIR/cmake/dcvkit" -DCMAKE_PREFIX_PATH="$PREFIX"
(export PKG_CONFIG_PATH="$PREFIX/$LIBDIR/pkgconfig" && pkgconfig_consumer prefix "$PREFIX/$LIBDIR/pkgconfig/dcvkit.pc")

step "cpack -G DEB"
(cd "$BUILD_DIR" && rm -f dcvkit_*.deb dcvkit-dev_*.deb && cpack -G DEB >"$WORK/cpack.log" 2>&1) ||
  die "cpack -G DEB failed:$(echo; tail -30 "$WORK/cpack.log")"
DEB="$BUILD_DIR/dcvkit_${VERSION}_${ARCH}.deb"
DEV_DEB="$BUILD_DIR/dcvkit-dev_${VERSION}_${ARCH}.deb"
[ -f "$DEB" ] && [ -f "$DEV_DEB" ] || die "cpack did not make $(basename "$DEB") and $(basename "$DEV_DEB"): $(ls "$BUILD_DIR"/*.deb 2>&1)"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
echo "   $(basename "$DEB") Depends: $DEPENDS"
for lib in libssl3 libcurl4 libc-ares2 libsqlite3-0 libstdc++6; do
  grep -q "\b$lib\b" <<<"$DEPENDS" || die "$(basename "$DEB") does not depend on $lib (dpkg-shlibdeps did not run?): $DEPENDS"
done
# Listed to files first: grep -q would close the pipe early and pipefail would report dpkg-deb's SIGPIPE.
dpkg-deb -c "$DEB" >"$WORK/deb.list" && dpkg-deb -c "$DEV_DEB" >"$WORK/dev-deb.list" || die "dpkg-deb cannot list the packages"
grep -q '\./usr/bin/dcvkit-sandbox$' "$WORK/deb.list" || die "$(basename "$DEB") has no /usr/bin/dcvkit-sandbox"
grep -q '/dcvkit/dcvkitConfig.cmake$' "$WORK/dev-deb.list" || die "$(basename "$DEV_DEB") has no CMake package"
for unit in dcvkit-renew.service dcvkit-renew.timer; do
  grep -q "\./usr/lib/systemd/system/$unit\$" "$WORK/deb.list" || die "$(basename "$DEB") has no /usr/lib/systemd/system/$unit"
done

step "apt-get install the packages"
for p in dcvkit dcvkit-dev; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    die "$p is already installed on this machine: remove it first (apt-get remove $p), this test installs its own"
  fi
done
installed_packages >"$WORK/before.txt"
# apt reads local packages as the _apt user: give it a copy it can read.
mkdir -p "$WORK/debs" && cp "$DEB" "$DEV_DEB" "$WORK/debs/" && chmod -R a+rX "$WORK"
INSTALLED_BY_US="dcvkit dcvkit-dev"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$WORK/debs/$(basename "$DEB")" \
  "$WORK/debs/$(basename "$DEV_DEB")" >"$WORK/apt.log" 2>&1 || die "apt-get install failed:$(echo; tail -20 "$WORK/apt.log")"
# Everything apt added (dependencies too) goes again at the end.
INSTALLED_BY_US=$(installed_packages | comm -13 "$WORK/before.txt" - | tr '\n' ' ')
echo "   installed: $INSTALLED_BY_US"

step "/usr/bin/dcvkit --version"
[ -x /usr/bin/dcvkit ] && [ -x /usr/bin/dcvkit-sandbox ] || die "the package did not install /usr/bin/dcvkit and /usr/bin/dcvkit-sandbox"
version_line=$(/usr/bin/dcvkit --version) || die "/usr/bin/dcvkit --version failed"
[ "$(cut -d' ' -f2 <<<"$version_line")" = "$VERSION" ] ||
  die "/usr/bin/dcvkit --version printed '$version_line', expected version $VERSION"
echo "   $version_line"
/usr/bin/dcvkit-sandbox --help >/dev/null 2>&1 || die "/usr/bin/dcvkit-sandbox --help failed"

step "systemd-analyze verify the renewal units"
command -v systemd-analyze >/dev/null || die "systemd-analyze is missing: tools/install-deps.sh installs systemd"
# verify also finds the command ExecStart names (/usr/bin/dcvkit) and the man page Documentation= names.
systemd-analyze verify /usr/lib/systemd/system/dcvkit-renew.service /usr/lib/systemd/system/dcvkit-renew.timer \
  >"$WORK/verify.log" 2>&1 && ! grep -q . "$WORK/verify.log" ||
  die "systemd-analyze verify does not accept the units:$(echo; cat "$WORK/verify.log")"
grep -qx 'OnCalendar=daily' /usr/lib/systemd/system/dcvkit-renew.timer &&
  grep -q '^RandomizedDelaySec=' /usr/lib/systemd/system/dcvkit-renew.timer &&
  grep -qx 'Persistent=true' /usr/lib/systemd/system/dcvkit-renew.timer || die "dcvkit-renew.timer is not daily, randomised and persistent"

step "consumers against the installed package"
SYSTEM_LIBDIR=$(dpkg -L dcvkit-dev | sed -n 's|/libdcvkit\.a$||p')
[ -n "$SYSTEM_LIBDIR" ] || die "dcvkit-dev installed no libdcvkit.a"
cmake_consumer system "$SYSTEM_LIBDIR/cmake/dcvkit"
(unset PKG_CONFIG_PATH && pkgconfig_consumer system "$SYSTEM_LIBDIR/pkgconfig/dcvkit.pc")

step "apt-get remove"
removing=$INSTALLED_BY_US
INSTALLED_BY_US=""
# shellcheck disable=SC2086  # a list of package names
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq $removing >"$WORK/apt-remove.log" 2>&1 ||
  die "apt-get remove $removing failed:$(echo; tail -20 "$WORK/apt-remove.log")"
[ ! -e /usr/bin/dcvkit ] || die "/usr/bin/dcvkit is still there after apt-get remove"
installed_packages | cmp -s "$WORK/before.txt" - ||
  die "the installed packages differ from before the test: $(installed_packages | diff "$WORK/before.txt" - | tr '\n' ' ')"

echo "package-test: OK ($(basename "$DEB"), $(basename "$DEV_DEB"); ${SECONDS}s)"
