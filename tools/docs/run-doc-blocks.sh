#!/usr/bin/env bash
# Runs every ```sh block of the docs against a real loopback world, so the docs cannot rot.
#   tools/docs/run-doc-blocks.sh BIN_DIR [DOC.md ...]     (default: every docs/*.md)
# BIN_DIR holds the built `dcvkit` and `dcvkit-sandbox`; it goes first on PATH.
#
# The world (tools/lib/loopback-world.sh, as tools/demo.sh uses): BIND authoritative for example.test
# taking RFC 2136 updates with a TSIG key, nginx serving $WWW/<host> over http and https, and
# dcvkit-sandbox (plain http on loopback) validating through both. Each doc runs in its own empty
# directory as ONE bash script (`set -euo pipefail`), its blocks in order, so a block may use files
# and variables of the blocks before it. Each doc gets its own sandbox account (API key), so guides
# that create an AuthKey do not collide. A doc sees these variables (the docs explain them):
#   DCVKIT_API_URL, DCVKIT_API_KEY   the sandbox and the doc's API key
#   DNS_SERVER, TSIG_KEY             the primary for example.test and its TSIG key file
#   WWW                              nginx serves $WWW/<host>/ for http://<host>/ and https://<host>/
#   CHECK_NET                        the check flags that point dcvkit check at the loopback servers
#   SANDBOX_DIR                      the sandbox's data dir (ca-bundle.pem, api-key)
# An HTML comment `<!-- doc-setup` ... `-->` in a doc is shell run at that point but not shown.
# Exit 0 when every doc's blocks ran without error; otherwise each failure names doc, block and line.
set -euo pipefail

bin_dir=$(cd "$1" && pwd)
shift
root=$(cd "$(dirname "$0")/../.." && pwd)
docs=("$@")
[ ${#docs[@]} -gt 0 ] || docs=("$root"/docs/*.md)
for tool in dcvkit dcvkit-sandbox; do
  [ -x "$bin_dir/$tool" ] || { echo "run-doc-blocks: no $bin_dir/$tool (build it first)" >&2; exit 2; }
done

WORLD=$(mktemp -d /tmp/dcvkit-docs.XXXXXX)
# shellcheck source=../lib/loopback-world.sh
source "$root/tools/lib/loopback-world.sh"
cleanup() {
  world_stop
  if [ "${KEEP_WORLD:-}" = 1 ]; then echo "run-doc-blocks: world kept in $WORLD" >&2; else rm -rf "$WORLD"; fi
}
trap cleanup EXIT

# The doc's blocks as one script: ```sh bodies and doc-setup comments, in order, each announced.
extract_script() {
  awk -v doc="$1" '
    /^```sh[[:space:]]*$/ && !inblock { inblock = 1; n++; printf "__doc_block %d %d\n", n, NR; next }
    /^<!-- doc-setup[[:space:]]*$/ && !inblock { insetup = 1; printf "__doc_block setup %d\n", NR; next }
    /^```/ && inblock { inblock = 0; next }
    /^-->[[:space:]]*$/ && insetup { insetup = 0; next }
    inblock || insetup { print }
    END { if (inblock || insetup) { print "unclosed block in " doc > "/dev/stderr"; exit 1 } }
  ' "$1"
}

world_start_named
world_start_nginx

# One API key per doc: the sandbox reads every line of DIR/api-key as one account at start.
sandbox_dir=$WORLD/sandbox
mkdir -p "$sandbox_dir"
declare -A doc_key
for doc in "${docs[@]}"; do
  doc_key[$doc]=$(openssl rand -hex 20)
  echo "${doc_key[$doc]}" >>"$sandbox_dir/api-key"
done
chmod 600 "$sandbox_dir/api-key"
"$bin_dir/dcvkit-sandbox" --listen 127.0.0.1:0 --data-dir "$sandbox_dir" --http --log "$sandbox_dir/requests.log" \
  --resolver "127.0.0.1:$DNS_PORT" --ns-port "$DNS_PORT" \
  --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" --connect-address 127.0.0.1 \
  >"$sandbox_dir/stdout.log" 2>"$sandbox_dir/stderr.log" &
world_pids+=($!)
wait_for 20 "dcvkit-sandbox" grep -q '^ready ' "$sandbox_dir/stdout.log"

failed=0
for doc in "${docs[@]}"; do
  name=$(basename "$doc")
  work=$WORLD/run/${name%.md}
  mkdir -p "$work"
  script=$WORLD/run/${name%.md}.sh
  {
    echo 'set -euo pipefail'
    # Which block failed: the ERR trap names it (blocks are announced as they start).
    echo '__doc_block() { __doc_where="block $1 (line $2)"; echo "--- '"$name"' $__doc_where" >&2; }'
    echo 'trap '\''echo "run-doc-blocks: '"$name"': $__doc_where failed (exit $?) at: $BASH_COMMAND" >&2'\'' ERR'
    extract_script "$doc"
  } >"$script"
  start=$SECONDS
  if (cd "$work" && env -i HOME="$work" PATH="$bin_dir:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" LANG=C.UTF-8 \
      DCVKIT_API_URL="$(sed -n 's/^ready //p' "$sandbox_dir/stdout.log" | head -n 1)" \
      DCVKIT_API_KEY="${doc_key[$doc]}" SANDBOX_DIR="$sandbox_dir" \
      DNS_SERVER="127.0.0.1:$DNS_PORT" TSIG_KEY="$WORLD/named/tsig.key" WWW="$WORLD/www" \
      CHECK_NET="--resolver 127.0.0.1:$DNS_PORT --ns-port $DNS_PORT --http-port $HTTP_PORT --https-port $HTTPS_PORT --connect-address 127.0.0.1 --no-dnssec" \
      bash "$script" >"$work.log" 2>&1); then
    echo "run-doc-blocks: ok   $name ($(grep -c '^--- ' "$work.log") blocks, $((SECONDS - start)) s)"
  else
    failed=1
    echo "run-doc-blocks: FAIL $name; its output:"
    tail -n 60 "$work.log"
  fi
done
exit "$failed"
