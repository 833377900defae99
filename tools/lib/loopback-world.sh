# Sourced by tools/demo.sh: a small, real world on loopback for the sandbox CA to validate against.
#   named   authoritative for example.test on 127.0.0.1:$DNS_PORT, RFC 2136 updates with a TSIG key
#   nginx   http on $HTTP_PORT, https on $HTTPS_PORT (self-signed), root $WORLD/www/$host
#   sandbox dcvkit-sandbox over HTTPS, validating through the two above; URL in $API_URL
# Everything lives under $WORLD and is stopped by world_stop (the caller traps EXIT).

world_pids=()

# A TCP port nothing listens on (bash's /dev/tcp: no extra tools needed on a fresh machine).
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "demo: $what did not come up within ${seconds}s; its log is under $WORLD" >&2
  return 1
}

world_start_named() {
  DNS_PORT=$(free_port)
  local dir=$WORLD/named
  mkdir -p "$dir"
  local secret
  secret=$(openssl rand -base64 32)
  cat >"$dir/tsig.key" <<EOF
key "demo-key" {
  algorithm hmac-sha256;
  secret "$secret";
};
EOF
  chmod 600 "$dir/tsig.key"
  cat >"$dir/example.test.zone" <<EOF
\$TTL 60
@    IN SOA ns1.example.test. hostmaster.example.test. 1 60 60 600 60
@    IN NS  ns1.example.test.
ns1  IN A   127.0.0.1
@    IN A   127.0.0.1
*    IN A   127.0.0.1
EOF
  # The TLD, empty: where a CAA climb ends (a real resolver answers it from the root).
  cat >"$dir/test.zone" <<EOF
\$TTL 60
@    IN SOA ns1.example.test. hostmaster.example.test. 1 60 60 600 60
@    IN NS  ns1.example.test.
; named refuses a zone whose NS name lies inside it but has no address.
ns1.example  IN A  127.0.0.1
EOF
  cat >"$dir/named.conf" <<EOF
options {
  directory "$dir";
  listen-on port $DNS_PORT { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file none;
  session-keyfile none;
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
include "$dir/tsig.key";
zone "test" {
  type primary;
  file "$dir/test.zone";
};
zone "example.test" {
  type primary;
  file "$dir/example.test.zone";
  allow-update { key "demo-key"; };
};
EOF
  /usr/sbin/named -g -n 1 -c "$dir/named.conf" >"$dir/named.log" 2>&1 &
  world_pids+=($!)
  wait_for 20 "named" dig @127.0.0.1 -p "$DNS_PORT" +norec +time=1 +tries=1 SOA example.test
}

world_start_nginx() {
  HTTP_PORT=$(free_port)
  HTTPS_PORT=$(free_port)
  local dir=$WORLD/nginx
  mkdir -p "$dir" "$WORLD/www"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=example.test" \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" >/dev/null 2>&1
  local user_line=""
  if [ "$(id -u)" = 0 ]; then user_line="user root;"; fi
  cat >"$dir/nginx.conf" <<EOF
daemon off;
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 256; }
http {
  access_log $dir/access.log;
  client_body_temp_path $dir/tmp;
  proxy_temp_path $dir/tmp;
  fastcgi_temp_path $dir/tmp;
  uwsgi_temp_path $dir/tmp;
  scgi_temp_path $dir/tmp;
  default_type text/plain;
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    ssl_certificate $dir/tls.crt;
    ssl_certificate_key $dir/tls.key;
    root $WORLD/www/\$host;
  }
}
EOF
  mkdir -p "$dir/tmp"
  /usr/sbin/nginx -c "$dir/nginx.conf" -e "$dir/error.log" >"$dir/stdout.log" 2>&1 &
  world_pids+=($!)
  wait_for 20 "nginx" bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTP_PORT"
}

world_start_sandbox() {  # world_start_sandbox PATH_TO_dcvkit-sandbox
  local dir=$WORLD/sandbox
  mkdir -p "$dir"
  "$1" --listen 127.0.0.1:0 --data-dir "$dir" --state "$dir/state.sqlite" --log "$dir/requests.log" \
    --resolver "127.0.0.1:$DNS_PORT" --ns-port "$DNS_PORT" \
    --http-port "$HTTP_PORT" --https-port "$HTTPS_PORT" --connect-address 127.0.0.1 \
    >"$dir/stdout.log" 2>"$dir/stderr.log" &
  world_pids+=($!)
  wait_for 20 "dcvkit-sandbox" grep -q '^ready ' "$dir/stdout.log"
  API_URL=$(sed -n 's/^ready //p' "$dir/stdout.log" | head -n 1)
  CA_BUNDLE=$dir/ca-bundle.pem
  API_KEY_FILE=$dir/api-key
}

world_stop() {
  local pid
  for pid in "${world_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${world_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  world_pids=()
}
