#!/usr/bin/env bash
# README quick start (a): a DV certificate issued from nothing, end to end, on loopback.
# Starts a real DNS server (BIND), a real web server (nginx) and the sandbox CA (dcvkit-sandbox),
# then does what a user does against CertCentral: AuthKey -> key + CSR -> request token ->
# publish (DNS TXT via RFC 2136, and a webroot file) -> check -> order -> certificate files.
# Everything it makes stays in ./demo/ (the servers are stopped on exit).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target dcvkit-cli dcvkit-sandbox

dcvkit=$root/build/dcvkit
demo=$root/demo
rm -rf "$demo"
mkdir -p "$demo"
WORLD=$demo/world
# shellcheck source=lib/loopback-world.sh
source "$root/tools/lib/loopback-world.sh"
trap world_stop EXIT

step() { printf '\n== %s\n' "$*"; }

step "starting BIND, nginx and the sandbox CA on 127.0.0.1"
world_start_named
world_start_nginx
world_start_sandbox "$root/build/dcvkit-sandbox"
echo "DNS 127.0.0.1:$DNS_PORT, HTTP :$HTTP_PORT, HTTPS :$HTTPS_PORT, API $API_URL"

# What a CI job sets once: where the API is, whom to trust, where the API key is (never argv).
export DCVKIT_API_URL=$API_URL
api=(--ca-bundle "$CA_BUNDLE" --api-key-file "$API_KEY_FILE")
cd "$demo"

step "dcvkit authkey create --out authkey   (the account's AuthKey, written 0600)"
"$dcvkit" authkey create "${api[@]}" --out authkey

# 1. DNS: the token in TXT at _dnsauth.<name>, published by RFC 2136 dynamic update (TSIG).
step "dcvkit csr new   (shop.example.test + www.shop.example.test)"
"$dcvkit" csr new --cn shop.example.test --san www.shop.example.test --key-type p256 \
  --key-out shop.key --csr-out shop.csr
step "dcvkit token new"
"$dcvkit" token new --csr shop.csr --auth-key-file authkey
step "dcvkit publish --method dns --server 127.0.0.1:$DNS_PORT   (RFC 2136 + TSIG)"
"$dcvkit" publish --csr shop.csr --auth-key-file authkey --method dns \
  --server "127.0.0.1:$DNS_PORT" --tsig-key-file "$WORLD/named/tsig.key"
step "dcvkit check --method dns   (what the CA will see, on every authoritative server)"
"$dcvkit" check --csr shop.csr --auth-key-file authkey --method dns \
  --name shop.example.test --name www.shop.example.test \
  --resolver "127.0.0.1:$DNS_PORT" --ns-port "$DNS_PORT"
step "dcvkit order submit --method dns-txt-token   (one API call: the certificate comes back at once)"
"$dcvkit" order submit "${api[@]}" --product ssl_dv_geotrust --csr shop.csr --method dns-txt-token \
  --out-dir certs/shop.example.test

# 2. HTTP: the token in /.well-known/pki-validation/fileauth.txt, served by nginx.
step "dcvkit csr new   (blog.example.test)"
"$dcvkit" csr new --cn blog.example.test --key-type rsa2048 --key-out blog.key --csr-out blog.csr
step "dcvkit publish --method http --webroot ...   (nginx serves $WORLD/www/<host>)"
mkdir -p "$WORLD/www/blog.example.test"
"$dcvkit" publish --csr blog.csr --auth-key-file authkey --method http --webroot "$WORLD/www/blog.example.test"
step "dcvkit order submit --method http-token"
"$dcvkit" order submit "${api[@]}" --product ssl_dv_rapidssl --csr blog.csr --method http-token \
  --out-dir certs/blog.example.test

step "openssl verify"
for d in certs/*/; do
  d=${d%/}
  openssl verify -CAfile "$d/root.pem" -untrusted "$d/chain.pem" "$d/cert.pem"
done
step "dcvkit order list"
"$dcvkit" order list "${api[@]}"

cat <<EOF

Done. Issued certificates (leaf, intermediates, full chain, root) are in:
$(for d in certs/*/; do echo "  $demo/${d%/}/{cert,chain,fullchain,root}.pem"; done)
Private keys: $demo/shop.key, $demo/blog.key (0600). AuthKey: $demo/authkey (0600).
The sandbox's state and request log: $WORLD/sandbox/.
EOF
