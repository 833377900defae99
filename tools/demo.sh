#!/usr/bin/env bash
# README quick start (a): a DV certificate issued from nothing, end to end, on loopback.
# Starts a real DNS server (BIND), a real web server (nginx) and the sandbox CA (dcvkit-sandbox),
# then does what a user does against CertCentral: an AuthKey, then `dcvkit run` on a two-line
# manifest: key + CSR -> request token -> publish (DNS TXT via RFC 2136, and a webroot file) ->
# check -> order -> certificate files, every step in a ledger; --status, a rerun that has nothing
# left to do, and openssl verify.
# Everything it makes stays in ./demo/ (the servers are stopped on exit).
# DCVKIT_BUILD_DIR (default build) is the build directory it uses.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash tools/install-deps.sh
build=${DCVKIT_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "$(nproc)" --target dcvkit-cli dcvkit-sandbox
build=$(cd "$build" && pwd)

dcvkit=$build/dcvkit
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
world_start_sandbox "$build/dcvkit-sandbox"
echo "DNS 127.0.0.1:$DNS_PORT, HTTP :$HTTP_PORT, HTTPS :$HTTPS_PORT, API $API_URL"

# What a CI job sets once: where the API is, whom to trust, where the API key is (never argv).
export DCVKIT_API_URL=$API_URL
api=(--ca-bundle "$CA_BUNDLE" --api-key-file "$API_KEY_FILE")
cd "$demo"

step "dcvkit authkey create --out authkey   (the account's AuthKey, written 0600)"
"$dcvkit" authkey create "${api[@]}" --out authkey

# The manifest: one certificate per line. shop: two names, DNS TXT at _dnsauth.<name> published
# by RFC 2136 dynamic update (TSIG). blog: fileauth.txt in the webroot nginx serves.
mkdir -p "$WORLD/www/blog.example.test"
cat >manifest.jsonl <<EOF
{"id": "shop", "names": ["shop.example.test", "www.shop.example.test"], "method": "dns", "product": "ssl_dv_geotrust", "publish": {"dns": {"server": "127.0.0.1:$DNS_PORT", "zone": "example.test", "tsig_key_file": "$WORLD/named/tsig.key"}}, "key_type": "p256", "out_dir": "certs/shop.example.test"}
{"id": "blog", "names": ["blog.example.test"], "method": "http", "product": "ssl_dv_rapidssl", "publish": {"webroot": "$WORLD/www/blog.example.test"}, "key_type": "rsa2048", "out_dir": "certs/blog.example.test"}
EOF
step "manifest.jsonl"
cat manifest.jsonl

# How the checks reach the loopback servers (a real deployment needs none of these).
network=(--resolver "127.0.0.1:$DNS_PORT" --ns-port "$DNS_PORT" --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT"
  --connect-address 127.0.0.1 --no-dnssec)  # the loopback BIND serves no signed root
step "dcvkit run --manifest manifest.jsonl --state run.db   (key + CSR, token, publish, check, order, files)"
"$dcvkit" run --manifest manifest.jsonl --state run.db --auth-key-file authkey "${api[@]}" "${network[@]}" \
  --report run-report.html
step "dcvkit run --status --state run.db   (each certificate's stage in the ledger)"
"$dcvkit" run --status --state run.db
step "dcvkit run again   (resumable and idempotent: nothing left to do, nothing ordered twice)"
"$dcvkit" run --manifest manifest.jsonl --state run.db --auth-key-file authkey "${api[@]}" "${network[@]}"

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
Private keys: $demo/run.db.keys/{shop,blog}.key (0600). AuthKey: $demo/authkey (0600).
The ledger: $demo/run.db (dcvkit run --status --state ...). Report: $demo/run-report.html.
The sandbox's state and request log: $WORLD/sandbox/.
EOF
