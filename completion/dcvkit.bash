# bash completion for dcvkit (install as /usr/share/bash-completion/completions/dcvkit, or source it).
# Written by hand; tests/test_completion.cpp checks every subcommand's options against its --help.
# Needs nothing from the bash-completion package.

_dcvkit_api_opts="--api-url --api-key-file --ca-bundle --api-timeout --api-retries -v --verbose"
_dcvkit_authkey_opts="--auth-key-file --auth-key-stdin"
_dcvkit_deploy_opts="--deploy-hook --deploy-delay --deploy-timeout"
_dcvkit_form_opts="--csr-form --all-forms"
_dcvkit_time_opts="--timestamp --valid-from"
_dcvkit_names_opts="--name --names-file"
_dcvkit_format_opts="--key --format --pfx-profile --password-file"
_dcvkit_acme_opts="--directory --account-key --ca-bundle --request-timeout -v --verbose"
_dcvkit_net_opts="--resolver --ns-port --http-port --https-port --connect-address --all-addresses --caa-identity
  --no-caa --dnssec --trust-anchor --no-dnssec"
# The options that choose a publish provider, one per provider of the registry (docs/providers.md).
_dcvkit_provider_opts="--webroot --webroot-map --server --powerdns --hook --print"
_dcvkit_publish_opts="--token --concurrency --json --jsonl --csr --method --dns-at --hook-timeout --zone
  --tsig-key-file --ttl --update-timeout --tcp --powerdns-key-file --server-id --hook-style $_dcvkit_provider_opts"

# The options of one subcommand ("token new"), --help included.
_dcvkit_options() {
  local o
  case $1 in
    "token new") o="--csr --json $_dcvkit_authkey_opts $_dcvkit_form_opts $_dcvkit_time_opts" ;;
    "token inspect") o="--at --json" ;;
    "token verify") o="--csr --at --json $_dcvkit_authkey_opts $_dcvkit_form_opts" ;;
    "csr new") o="--cn --san --key-type --key-out --csr-out --force --json" ;;
    "csr show") o="--print-form --json" ;;
    plan) o="--json --csr --method --dns-at $_dcvkit_names_opts" ;;
    publish | unpublish) o="$_dcvkit_publish_opts $_dcvkit_authkey_opts $_dcvkit_form_opts $_dcvkit_time_opts $_dcvkit_names_opts" ;;
    check) o="$_dcvkit_authkey_opts $_dcvkit_form_opts $_dcvkit_names_opts $_dcvkit_net_opts --dns-timeout --concurrency
      --jsonl --json --report --watch --deadline --input --method --token --csr --key-authorization" ;;
    run) o="--manifest --state --concurrency --keep-tokens --retry-failed --renew-within --check-deadline
      --issue-deadline --status --export --dry-run --revoke --reason --yes --redeploy --metrics-file --report --jsonl --json $_dcvkit_deploy_opts $_dcvkit_authkey_opts $_dcvkit_api_opts
      $_dcvkit_net_opts --dns-timeout" ;;
    "authkey create") o="--out --force --json $_dcvkit_api_opts" ;;
    "authkey show") o="--out --force --reveal --json $_dcvkit_api_opts" ;;
    "authkey delete") o="--yes --json $_dcvkit_api_opts" ;;
    "order submit") o="--product --csr --method --cn --san --validity-days --validity-years --wait --timeout
      --dry-run --token --precheck --check-deadline --json $_dcvkit_deploy_opts $_dcvkit_authkey_opts $_dcvkit_form_opts $_dcvkit_api_opts
      --out-dir --force $_dcvkit_format_opts $_dcvkit_net_opts --dns-timeout" ;;
    "order status") o="--json $_dcvkit_api_opts" ;;
    "order download") o="--csr --wait --timeout --json $_dcvkit_api_opts --out-dir --force $_dcvkit_format_opts $_dcvkit_deploy_opts" ;;
    "order list") o="--status --cn --limit --offset --json $_dcvkit_api_opts" ;;
    "acme register") o="--account-key-type --email --agree-tos --eab-kid --eab-hmac-key-file --json $_dcvkit_acme_opts" ;;
    "acme show" | "acme deactivate") o="--json $_dcvkit_acme_opts" ;;
    "acme order") o="--csr --name --key-type --challenge --preferred-chain --order-url --timeout --json $_dcvkit_acme_opts
      --out-dir --force --zone --tsig-key-file --ttl --update-timeout --tcp --powerdns-key-file --server-id --hook-style
      --hook-timeout $_dcvkit_provider_opts" ;;
    "acme revoke") o="--cert --reason --json $_dcvkit_acme_opts" ;;
    "order cancel") o="--note --json $_dcvkit_api_opts" ;;
    "order revoke") o="--cert --reason --note --yes --password-file --json $_dcvkit_api_opts" ;;
    "order reissue") o="--csr --json $_dcvkit_api_opts --out-dir --force $_dcvkit_format_opts" ;;
    "cert show") o="--password-file --json" ;;
    "cert match") o="--cert --csr --key --key-password-file --password-file --json" ;;
    "cert chain") o="--ca-file --out --force --password-file --json" ;;
    "cert convert") o="--to --out --key --key-out --profile --name --force --password-file --key-password-file --json" ;;
    "cert expiry") o="--host --hosts-file --file --warn --connect-address --ca-file --timeout --password-file --jsonl" ;;
    *) return 1 ;;
  esac
  echo "$o -h --help"
}

# What may follow an option that takes a value: "file", "dir", a word list, or "value" (free text).
_dcvkit_value_kind() {
  case $2 in
    --csr | --key-out | --csr-out | --auth-key-file | --names-file | --tsig-key-file | --webroot-map | --powerdns-key-file | \
      --api-key-file | --ca-bundle | --input | --report | --metrics-file | --manifest | --out | --trust-anchor | --account-key | \
      --eab-hmac-key-file | --cert | --key | --password-file | --key-password-file | --ca-file | --hosts-file | --file) echo file ;;
    --state) [ "$1" = run ] && echo file || echo value ;;
    --webroot | --out-dir) echo dir ;;
    --method)
      case $1 in
        "order submit") echo "words dns-txt-token http-token dns http" ;;
        check) echo "words dns http acme-http-01 acme-dns-01" ;;
        *) echo "words dns http" ;;
      esac ;;
    --csr-form | --print-form) echo "words pem pem-lf oneline base64-body" ;;
    --key-type) echo "words rsa2048 rsa3072 rsa4096 p256 p384" ;;
    --dns-at) echo "words dnsauth apex" ;;
    --print) echo "words zone nsupdate" ;;
    --hook-style) echo "words dcvkit certbot dehydrated dehydrated-chain lego-exec lego-exec-raw" ;;
    --api-url) echo "words us eu" ;;
    --directory) echo "words letsencrypt letsencrypt-staging digicert zerossl google jprs" ;;
    --account-key-type) echo "words es256 rs256" ;;
    --challenge) echo "words http-01 dns-01" ;;
    --to) echo "words pem der p7b pfx" ;;
    # acme revoke takes RFC 5280's names, order revoke CertCentral's.
    --reason) echo "words unspecified keyCompromise affiliationChanged superseded cessationOfOperation key_compromise affiliation_changed cessation_of_operation" ;;
    --profile | --pfx-profile) echo "words modern legacy" ;;
    --format) echo "words der p7b pfx" ;;
    --product) echo "words ssl_dv_geotrust ssl_dv_rapidssl ssl_dv_geotrust_flex wildcard_dv_geotrust wildcard_dv_rapidssl cloud_dv_geotrust" ;;
    --status) [ "$1" = "order list" ] && echo "words pending issued canceled rejected revoked expired" ;;
    --at | --token | --key-authorization | --cn | --san | --timestamp | --valid-from | --name | --concurrency | --hook-timeout | \
      --zone | --ttl | --dns-timeout | --update-timeout | --server | --powerdns | --server-id | --hook | --resolver | --ns-port | --http-port | --https-port | \
      --connect-address | --caa-identity | --trust-anchor | --timeout | --deadline | --renew-within | --check-deadline | --issue-deadline | \
      --api-timeout | --api-retries | --validity-days | --validity-years | --check-timeout | --limit | \
      --offset | --request-timeout | --email | --eab-kid | --preferred-chain | --order-url | --host | --warn | --note | \
      --deploy-hook | --deploy-delay | --deploy-timeout | --redeploy | --revoke) echo value ;;
  esac
}

_dcvkit() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local groups="token csr plan publish unpublish check run authkey order acme cert"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$groups --help --version" -- "$cur")
    return
  fi
  local cmd=${COMP_WORDS[1]} first_arg=2
  case $cmd in
    token) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "new inspect verify" -- "$cur"); return; } ;;
    csr) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "new show" -- "$cur"); return; } ;;
    authkey) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "create show delete" -- "$cur"); return; } ;;
    order) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "submit status download list cancel revoke reissue" -- "$cur"); return; } ;;
    acme) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "register show deactivate order revoke" -- "$cur"); return; } ;;
    cert) [ "$COMP_CWORD" -eq 2 ] && { mapfile -t COMPREPLY < <(compgen -W "show match chain convert expiry" -- "$cur"); return; } ;;
  esac
  case $cmd in token | csr | authkey | order | acme | cert) cmd="$cmd ${COMP_WORDS[2]}" first_arg=3 ;; esac
  local opts
  opts=$(_dcvkit_options "$cmd") || return

  if [[ $prev == -* ]]; then
    local kind
    kind=$(_dcvkit_value_kind "$cmd" "$prev")
    case $kind in
      file) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null; return ;;
      dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); compopt -o filenames 2>/dev/null; return ;;
      words\ *) mapfile -t COMPREPLY < <(compgen -W "${kind#words }" -- "$cur"); return ;;
      value) return ;;
    esac
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  elif [[ $cmd == "csr show" || $cmd == "cert show" || $cmd == "cert chain" || $cmd == "cert convert" ]]; then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")  # their FILE arguments
    compopt -o filenames 2>/dev/null
  fi
}

complete -F _dcvkit dcvkit
