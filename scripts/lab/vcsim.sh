#!/usr/bin/env bash
# vCenter simulator (govmomi vcsim) on loopback for the lab.
#
# Usage: scripts/lab/vcsim.sh build
#        scripts/lab/vcsim.sh up [--inventory=STACKFILE] [--username=USER] [--address=127.X.Y.Z]
#                                [-- extra vcsim flags]
#        scripts/lab/vcsim.sh down [--purge] | env
#   build build vcsim unless LAB_HOME/bin/vcsim is govmomi LAB_VCSIM_VERSION
#   up    build vcsim if missing (GOBIN=LAB_HOME/bin go install github.com/vmware/govmomi/vcsim@LAB_VCSIM_VERSION,
#         ~1-3 min cold), start it on 127.0.0.1:LAB_VCSIM_PORT (default: random free port, kept in
#         LAB_HOME/state/vcsim/port) and print the exports. --inventory: the vCenter inventory the
#         stack file's cluster-fleet:vsphere names (datacenter, cluster, datastore, network, folder,
#         resource pool, a VM template per Kubernetes version; scripts/lab/vcsimInventory.ts)
#         instead of vcsim's default model (DC0, DC0_C0 with 3 hosts, LocalDS_0, 2 VMs per pool).
#         --address: listen on that loopback address, port 443, as a real vCenter does: a stack's
#         vsphere.server is a host without port (CAPV and the vSphere CPI connect to 443), so a
#         stack can name this vcsim only there. Port 443 needs root (or CAP_NET_BIND_SERVICE, or
#         net.ipv4.ip_unprivileged_port_start <= 443); VSPHERE_SERVER is then the bare address
#   down  stop it (vcsim keeps its inventory in memory only); --purge also deletes the state dir
#   env   print VSPHERE_SERVER, VSPHERE_USER, VSPHERE_PASSWORD, LAB_VCSIM_THUMBPRINT, GOVC_URL ...
# TLS: vcsim serves a certificate for its address from its own lab CA (LAB_VCSIM_CA_FILE); clients
# verify it against that CA or pin LAB_VCSIM_THUMBPRINT (SHA-1, as CAPV's thumbprint).
# Credentials: user --username (default lab, kept), password random on the first up, in
# LAB_HOME/state/vcsim/password (0600).
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACTION=${1:-}
[[ -n "$ACTION" ]] || lab_bad_usage
shift
INVENTORY=
WANT_USER=
ADDRESS=
PURGE=0
while [[ $# -gt 0 && "$1" != "--" ]]; do
  case "$1" in
    --inventory=*) INVENTORY=${1#--inventory=} ;;
    --username=*) WANT_USER=${1#--username=} ;;
    --address=*) ADDRESS=${1#--address=} ;;
    --purge) PURGE=1 ;;
    *) lab_die "unknown argument '$1'" ;;
  esac
  shift
done
[[ "${1:-}" == "--" ]] && shift
# LAB_VCSIM_NAME: a separate vcsim (own state, port and inventory), e.g. for an e2e run.
D="$LAB_STATE/${LAB_VCSIM_NAME:-vcsim}"
BIN="$LAB_BIN/vcsim"
# One datacenter, one cluster with one host, one DV port group and one VM to clone templates from.
INVENTORY_MODEL=(-dc 1 -cluster 1 -host 1 -standalone-host 0 -ds 1 -pool 0 -vm 1 -app 0 -pod 0 -pg 1
  -pg-nsx 0 -nsx 0 -folder 0 -autostart=false)

# credentials: USER_NAME from --username (kept in D/username), the password file made once.
credentials() {
  mkdir -p "$D"
  if [[ -n "$WANT_USER" ]]; then
    printf '%s\n' "$WANT_USER" >"$D/username"
  elif [[ ! -f "$D/username" ]]; then
    echo lab >"$D/username"
  fi
  USER_NAME=$(cat "$D/username")
  [[ -f "$D/password" ]] || (umask 077 && od -An -tx1 -N18 /dev/urandom | tr -d ' \n' >"$D/password")
}

# vcsim_user: the name vcsim is given. Its SSO simulator files that user under the vsphere.local
# domain and splits a login "name@domain" at the '@', so "svc-capv@vsphere.local" logs in only if
# vcsim is given "svc-capv".
vcsim_user() {
  case "$USER_NAME" in
    *@vsphere.local) printf '%s\n' "${USER_NAME%@vsphere.local}" ;;
    *@*) lab_die "vcsim only knows users of the vsphere.local domain, not '$USER_NAME'" ;;
    *) printf '%s\n' "$USER_NAME" ;;
  esac
}

# tls: vcsim's own CA and a serving certificate for its address (a stable thumbprint across restarts).
tls() {
  lab_new_ca "$D/pki" cluster-fleet-lab-vcsim-ca
  lab_issue_cert "$D/pki" "$D/tls" vcsim serverAuth "IP:$(host),DNS:localhost"
}

# host: the address vcsim listens on (--address, kept in D/host; default 127.0.0.1).
host() {
  if [[ -n "$ADDRESS" ]]; then
    [[ "$ADDRESS" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
      lab_die "--address=$ADDRESS: must be a loopback address 127.x.y.z (lab traffic stays on loopback)"
    printf '%s\n' "$ADDRESS" >"$D/host"
  fi
  if [[ -f "$D/host" ]]; then cat "$D/host"; else echo 127.0.0.1; fi
}

# server: host[:port] as a client names it (a vCenter on 443 has no port).
server() {
  local p
  p=$(cat "$D/port")
  if [[ $p == 443 ]]; then host; else printf '%s:%s\n' "$(host)" "$p"; fi
}

ensure_vcsim() {
  lab_go_install vcsim github.com/vmware/govmomi/vcsim "$LAB_VCSIM_VERSION"
}

port() {
  if [[ -n "$ADDRESS" ]]; then
    echo 443 >"$D/port"
  elif [[ -n "${LAB_VCSIM_PORT:-}" ]]; then
    printf '%s\n' "$LAB_VCSIM_PORT" >"$D/port"
  elif [[ ! -f "$D/port" ]]; then
    lab_pick_port >"$D/port"
  fi
  cat "$D/port"
}

cmd_env() {
  [[ -f "$D/port" && -f "$D/tls.crt" ]] || lab_die "vcsim has never been started"
  credentials
  local p
  p=$(cat "$D/port")
  cat <<EOF
export VSPHERE_SERVER='$(server)'
export VSPHERE_USER='$USER_NAME'
export VSPHERE_PASSWORD='$(cat "$D/password")'
export LAB_VCSIM_PASSWORD_FILE='$D/password'
export LAB_VCSIM_CA_FILE='$D/pki/ca.crt'
export LAB_VCSIM_THUMBPRINT='$(lab_sha1_thumbprint "$D/tls.crt")'
export GOVC_URL='https://$(host):$p/sdk'
export GOVC_USERNAME='$USER_NAME'
export GOVC_PASSWORD='$(cat "$D/password")'
export GOVC_TLS_CA_CERTS='$D/pki/ca.crt'
EOF
}

about() {
  curl -sf --max-time 2 --cacert "$D/pki/ca.crt" "https://$(host):$1/about" >/dev/null 2>&1
}

# inventory: the stack file's vCenter inventory (idempotent; vcsim must have INVENTORY_MODEL).
inventory() {
  lab_need node
  lab_time_start
  (cd "$LAB_REPO_ROOT" && node -r ts-node/register/transpile-only scripts/lab/vcsimInventory.ts \
    --server "$(server)" --ca-file "$D/pki/ca.crt" --username "$USER_NAME" \
    --password-file "$D/password" --stack-file "$INVENTORY" --datastore-dir "$D/datastore") \
    >"$D/inventory.json" || lab_die "shaping vcsim's inventory after $INVENTORY failed"
  lab_time_end "vcsim inventory from $INVENTORY"
}

cmd_up() {
  ensure_vcsim
  mkdir -p "$D"
  credentials
  tls
  local p i model=()
  p=$(port)
  [[ -z "$INVENTORY" ]] || {
    [[ -f "$INVENTORY" ]] || lab_die "--inventory=$INVENTORY: no such file"
    INVENTORY=$(cd "$(dirname "$INVENTORY")" && pwd)/$(basename "$INVENTORY")
    model=("${INVENTORY_MODEL[@]}")
  }
  if ! lab_pid_alive "$D/vcsim.pid" "$BIN"; then
    lab_port_free "$p" "$(host)" || lab_die "port $p on $(host) is in use (set LAB_VCSIM_PORT)"
    # vcsim takes the password only on its command line; it is a random per-lab value, kept
    # readable by this user only in D/password. -E /dev/null: vcsim would print a GOVC_URL with
    # the password into its log.
    setsid "$BIN" -l "$(host):$p" -username "$(vcsim_user)" -password "$(cat "$D/password")" \
      -tlscert "$D/tls.crt" -tlskey "$D/tls.key" -E /dev/null "${model[@]}" "$@" \
      >>"$D/vcsim.log" 2>&1 </dev/null &
    echo $! >"$D/vcsim.pid"
    lab_started "$D/vcsim.pid" "$BIN"
    lab_log "started vcsim (pid $!, log $D/vcsim.log)"
  fi
  for ((i = 0; i < 100; i++)); do
    about "$p" && break
    lab_pid_alive "$D/vcsim.pid" "$BIN" || {
      ((p >= 1024)) || lab_log "port $p needs root, CAP_NET_BIND_SERVICE or net.ipv4.ip_unprivileged_port_start <= $p"
      lab_die "vcsim exited; see $D/vcsim.log"
    }
    sleep 0.2
  done
  about "$p" || lab_die "vcsim not answering on $(host):$p; see $D/vcsim.log"
  [[ -z "$INVENTORY" ]] || inventory "$p"
  cmd_env
  lab_log "vcsim is up: https://$(host):$p/sdk (user $USER_NAME, password in $D/password)"
}

cmd_down() {
  lab_stop "$D/vcsim.pid" "$BIN" vcsim
  if [[ $PURGE == 1 ]]; then
    rm -rf "$D"
    lab_log "removed vcsim's state ($D)"
  fi
}

case "$ACTION" in
  build) ensure_vcsim ;;
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  env) cmd_env ;;
  *) lab_die "unknown action '$ACTION' (build|up|down|env)" ;;
esac
