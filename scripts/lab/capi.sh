#!/usr/bin/env bash
# The real Cluster API controllers for a lab management cluster, as local processes (no Pods:
# the lab has no kubelet): CAPI core, kubeadm bootstrap, kubeadm control plane, CAPV and the
# in-cluster IPAM provider, built by scripts/lab/build.sh into LAB_HOME/bin.
#
# Usage: scripts/lab/capi.sh up|apply|down|status|env MGMT [--purge]
#   up MGMT    MGMT must be up (cluster.sh up MGMT). For each provider: render its own config/default
#              (CRDs, RBAC, webhook configurations) from the Go module cache with kustomize, point
#              its webhooks at https://127.0.0.1:<port> with the lab CA as caBundle (what
#              cert-manager's CA injector does in a real install; scripts/lab/capiManifests.ts),
#              apply it server-side, issue its webhook serving certificate from MGMT's CA and start
#              the manager with a token of its own ServiceAccount (so the provider's RBAC applies)
#   apply MGMT only render and apply the manifests and issue the certificates (no managers)
#   down MGMT  stop the managers (the applied objects stay); --purge also deletes the state dir
#   status     exit 0 if every manager answers /readyz
#   env MGMT   print LAB_CAPI_<PROVIDER>_{LOG,WEBHOOK_PORT} exports
# Each manager: leader election off, health and metrics on 127.0.0.1 ports from lab_pick_port,
# webhooks on their own port. controller-runtime binds that one on every interface: none of the
# five managers has a webhook host flag (only --webhook-port; their main.go leave
# webhook.Options.Host empty). The API server calls it on 127.0.0.1 only, with the lab CA.
# State: LAB_HOME/state/capi-MGMT/{ports.env,<provider>/{tls.crt,tls.key,kubeconfig,lab.yaml},<provider>.{log,pid}}
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_parse_action "$@"
MGMT=$NAME

D="$LAB_STATE/capi-$MGMT"
MGMT_PKI="$LAB_STATE/$MGMT/pki"
MGMT_KUBECONFIG="$LAB_STATE/$MGMT/admin.kubeconfig"
# LAB_CAPI_PROVIDERS: a subset (e.g. "core kubeadm-bootstrap kubeadm-control-plane ipam" without
# CAPV); only its manifests are applied, so no webhook points at a manager that is not running.
read -r -a PROVIDERS <<<"${LAB_CAPI_PROVIDERS:-core kubeadm-bootstrap kubeadm-control-plane ipam capv}"

# provider_info PROVIDER: sets BIN, MODULE, VERSION, CONFIG (path in the module), HEALTH_FLAG.
provider_info() {
  HEALTH_FLAG=--health-addr
  case "$1" in
    core) BIN=capi-manager CONFIG=core/config/default ;;
    kubeadm-bootstrap) BIN=capi-kubeadm-bootstrap-manager CONFIG=bootstrap/kubeadm/config/default ;;
    kubeadm-control-plane) BIN=capi-kubeadm-control-plane-manager CONFIG=controlplane/kubeadm/config/default ;;
    ipam) BIN=capi-ipam-manager CONFIG=config/default HEALTH_FLAG=--health-probe-bind-address ;;
    capv) BIN=capv-manager CONFIG=config/default ;;
    *) lab_die "unknown provider '$1'" ;;
  esac
  case "$1" in
    ipam) MODULE=${LAB_CAPI_IPAM_MODULE:-} VERSION=${LAB_CAPI_IPAM_VERSION:-} ;;
    capv) MODULE=${LAB_CAPV_MODULE:-} VERSION=${LAB_CAPV_VERSION:-} ;;
    *) MODULE=${LAB_CAPI_MODULE:-} VERSION=${LAB_CAPI_VERSION:-} ;;
  esac
  [[ -n "$MODULE" && -n "$VERSION" ]] || lab_die "lib.sh does not name the CAPI modules (the builds branch adds LAB_CAPI_*)"
}

uname_of() { tr 'a-z-' 'A-Z_' <<<"$1"; }

k() { lab_kubectl "$MGMT_KUBECONFIG" "$@"; }

load_ports() {
  local p u vars=()
  for p in "${PROVIDERS[@]}"; do
    u=$(uname_of "$p")
    vars+=("${u}_WEBHOOK_PORT" "${u}_HEALTH_PORT" "${u}_METRICS_PORT")
  done
  lab_load_ports "$D/ports.env" "${vars[@]}"
}

# render PROVIDER: the provider's config/default, made local (capiManifests.ts), in $D/PROVIDER/lab.yaml.
render() {
  local p=$1 dir kz port
  port=$(port_of "$p" WEBHOOK)
  declare -F lab_module_dir >/dev/null || lab_die "lib.sh has no lab_module_dir (the builds branch adds it)"
  dir=$(lab_module_dir "$MODULE" "$VERSION") || lab_die "cannot read $MODULE@$VERSION from the module cache"
  [[ -d "$dir/$CONFIG" ]] || lab_die "$MODULE@$VERSION has no $CONFIG"
  if kz=$(lab_find kustomize); then
    "$kz" build "$dir/$CONFIG" >"$D/$p/rendered.yaml" 2>"$D/$p/kustomize.log"
  else
    k kustomize "$dir/$CONFIG" >"$D/$p/rendered.yaml" 2>"$D/$p/kustomize.log"
  fi || {
    cat "$D/$p/kustomize.log" >&2
    lab_die "kustomize could not render $MODULE@$VERSION/$CONFIG"
  }
  (cd "$LAB_REPO_ROOT" && node -r ts-node/register/transpile-only scripts/lab/capiManifests.ts \
    --port "$port" --ca-file "$MGMT_PKI/ca.crt" --service-account-out "$D/$p/service-account" \
    <"$D/$p/rendered.yaml" >"$D/$p/lab.yaml") 2>>"$D/$p/kustomize.log" || {
    tail -n 5 "$D/$p/kustomize.log" >&2
    lab_die "$p: its manifests cannot be made local (see $D/$p/kustomize.log)"
  }
}

port_of() {
  local var
  var="$(uname_of "$1")_$2_PORT"
  printf '%s\n' "${!var}"
}

# token_kubeconfig PROVIDER: a kubeconfig for the manager's own ServiceAccount (TokenRequest, 48 h),
# verified against MGMT's CA; the token is only in this 0600 file.
token_kubeconfig() {
  local p=$1 sa ns name token server
  sa=$(cat "$D/$p/service-account")
  ns=${sa%/*} name=${sa#*/}
  token=$(k create token "$name" -n "$ns" --duration=48h) || lab_die "no token for ServiceAccount $sa"
  server=$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  (
    umask 077
    cat >"$D/$p/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $MGMT
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$MGMT_PKI/ca.crt")
users:
- name: $name
  user:
    token: $token
contexts:
- name: $name@$MGMT
  context: {cluster: $MGMT, user: $name}
current-context: $name@$MGMT
EOF
  )
}

healthy() { curl -sf --max-time 2 "http://127.0.0.1:$(port_of "$1" HEALTH)/readyz" >/dev/null 2>&1; }

# webhook_serves PROVIDER: the webhook port answers TLS with the lab-issued certificate.
webhook_serves() {
  curl -s --max-time 2 -o /dev/null --cacert "$MGMT_PKI/ca.crt" \
    "https://127.0.0.1:$(port_of "$1" WEBHOOK)/healthz" 2>/dev/null
}

start_manager() {
  local p=$1 log pid
  log="$D/$p.log"
  if lab_pid_alive "$D/$p.pid" "$LAB_BIN/$BIN"; then
    return 0
  fi
  local port
  for port in WEBHOOK HEALTH METRICS; do
    lab_port_free "$(port_of "$p" $port)" || lab_die "$p: port $(port_of "$p" $port) is in use (edit $D/ports.env)"
  done
  local args=(
    --kubeconfig="$D/$p/kubeconfig" --leader-elect=false
    "$HEALTH_FLAG=127.0.0.1:$(port_of "$p" HEALTH)"
    --diagnostics-address="127.0.0.1:$(port_of "$p" METRICS)"
    --webhook-port="$(port_of "$p" WEBHOOK)" --webhook-cert-dir="$D/$p"
  )
  # CAPV watches a default-credentials file; the lab's clusters name theirs through identityRef.
  if [[ $p == capv ]]; then
    [[ -f "$D/capv/credentials.yaml" ]] || (umask 077 && echo '{}' >"$D/capv/credentials.yaml")
    args+=(--credentials-file="$D/capv/credentials.yaml")
  fi
  POD_NAMESPACE=$(cut -d/ -f1 <"$D/$p/service-account") POD_NAME="lab-$p" POD_UID="lab-$MGMT-$p" \
    setsid "$LAB_BIN/$BIN" "${args[@]}" >>"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$D/$p.pid"
  lab_started "$D/$p.pid" "$LAB_BIN/$BIN"
  lab_log "started $BIN (pid $pid, log $log)"
}

manager_ready() {
  healthy "$1" && webhook_serves "$1"
}

# cmd_apply: every provider's manifests rendered, made local and applied; serving certificates.
cmd_apply() {
  lab_need curl openssl node base64
  [[ -f "$MGMT_KUBECONFIG" && -f "$MGMT_PKI/ca.key" ]] || lab_die "cluster '$MGMT' has no state; run scripts/lab/cluster.sh up $MGMT"
  k get --raw /readyz >/dev/null 2>&1 || lab_die "cluster '$MGMT' does not answer; run scripts/lab/cluster.sh up $MGMT"
  mkdir -p "$D"
  load_ports
  local p
  lab_time_start
  for p in "${PROVIDERS[@]}"; do
    provider_info "$p"
    mkdir -p "$D/$p"
    render "$p"
    # Server-side: several CRDs exceed the client-side annotation limit.
    k apply --server-side --force-conflicts --field-manager=cluster-fleet-lab-capi \
      -f "$D/$p/lab.yaml" >"$D/$p/apply.log" 2>&1 || {
      cat "$D/$p/apply.log" >&2
      lab_die "applying $p's manifests failed"
    }
    lab_issue_cert "$MGMT_PKI" "$D/$p/tls" "lab-capi-$p-webhook" serverAuth "IP:127.0.0.1"
  done
  lab_wait_crds "$(lab_find kubectl)" "$MGMT_KUBECONFIG" 120 -l cluster.x-k8s.io/provider ||
    lab_die "the providers' CRDs did not become Established"
  lab_time_end "capi: render + apply the providers' config trees ($MGMT)"
}

cmd_up() {
  lab_need setsid
  local missing p bins=()
  for p in "${PROVIDERS[@]}"; do
    provider_info "$p"
    bins+=("$BIN")
  done
  if declare -F lab_require_pieces >/dev/null; then
    missing=$(lab_require_pieces "${bins[@]}") || lab_die "the CAPI managers are not built:"$'\n'"$missing"
  fi
  for p in "${bins[@]}"; do
    [[ -x "$LAB_BIN/$p" ]] || lab_die "$LAB_BIN/$p is missing (scripts/lab/build.sh capi capi-ipam capv)"
  done
  cmd_apply
  lab_time_start
  for p in "${PROVIDERS[@]}"; do
    provider_info "$p"
    token_kubeconfig "$p"
    start_manager "$p"
  done
  for p in "${PROVIDERS[@]}"; do
    provider_info "$p"
    lab_wait_until "$BIN" 120 "$D/$p.pid" "$LAB_BIN/$BIN" "$D/$p.log" manager_ready "$p"
  done
  lab_time_end "capi: managers start to /readyz and webhooks serving ($MGMT)"
  cmd_env
  lab_log "CAPI controllers are up against '$MGMT' (state: $D)"
}

cmd_down() {
  local p
  if [[ -d "$D" ]]; then
    for p in "${PROVIDERS[@]}"; do
      provider_info "$p"
      lab_stop "$D/$p.pid" "$LAB_BIN/$BIN" "$BIN ($MGMT)"
    done
  fi
  if [[ $PURGE == 1 ]]; then
    rm -rf "$D"
    lab_log "removed the CAPI controllers' state for '$MGMT' ($D)"
  fi
}

cmd_status() {
  [[ -f "$D/ports.env" ]] || lab_die "no CAPI controllers were started for '$MGMT'"
  # shellcheck source=/dev/null
  source "$D/ports.env"
  local p rc=0
  for p in "${PROVIDERS[@]}"; do
    provider_info "$p"
    if lab_pid_alive "$D/$p.pid" "$LAB_BIN/$BIN" && healthy "$p"; then
      lab_log "$BIN: ready (pid $(cat "$D/$p.pid"))"
    else
      lab_log "$BIN: not ready"
      rc=1
    fi
  done
  return $rc
}

cmd_env() {
  [[ -f "$D/ports.env" ]] || lab_die "no CAPI controllers were started for '$MGMT'"
  # shellcheck source=/dev/null
  source "$D/ports.env"
  local p u
  for p in "${PROVIDERS[@]}"; do
    u=$(uname_of "$p")
    printf "export LAB_CAPI_%s_LOG='%s'\n" "$u" "$D/$p.log"
    printf "export LAB_CAPI_%s_WEBHOOK_PORT='%s'\n" "$u" "$(port_of "$p" WEBHOOK)"
  done
}

case "$ACTION" in
  up) cmd_up ;;
  apply) cmd_apply ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) lab_bad_usage ;;
esac
