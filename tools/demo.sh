#!/usr/bin/env bash
# README quick start (a): from nothing to a request token, end to end, in ./demo/.
# Makes a key + CSR, an AuthKey file, computes the CSR's token, inspects and verifies it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target dcvkit-cli

dcvkit=$PWD/build/dcvkit
demo=$PWD/demo
mkdir -p "$demo"
cd "$demo"

# A stand-in AuthKey: in real use this is the account's key from CertCentral (dcvkit authkey show).
if [ ! -s authkey ]; then
  (umask 077 && openssl rand -hex 16 > authkey)
fi

echo "== dcvkit csr new"
"$dcvkit" csr new --cn shop.example.test --san www.shop.example.test --key-type p256 \
  --key-out shop.key --csr-out shop.csr --force
echo
echo "== dcvkit csr show"
"$dcvkit" csr show shop.csr
echo
echo "== dcvkit token new (AuthKey from a file, never from argv)"
"$dcvkit" token new --csr shop.csr --auth-key-file authkey | tee token.out
token=$(tail -n 1 token.out)
echo
echo "== dcvkit token inspect"
"$dcvkit" token inspect "$token"
echo
echo "== dcvkit token verify"
"$dcvkit" token verify "$token" --csr shop.csr --auth-key-file authkey
echo
echo "Done. Files in $demo: shop.key (0600), shop.csr, authkey (0600), token.out"
