#!/usr/bin/env bash
# vCenter simulator (govmomi vcsim) on loopback for the lab.
#
# Usage: scripts/lab/vcsim.sh build|up|down|env [-- extra vcsim flags]
#   build build vcsim unless LAB_HOME/bin/vcsim is govmomi LAB_VCSIM_VERSION
#         (go install github.com/vmware/govmomi/vcsim@LAB_VCSIM_VERSION, ~1-3 min cold)
#   up    build it if needed, start it on 127.0.0.1:LAB_VCSIM_PORT (default: random free port, kept in
#         LAB_HOME/state/vcsim/port) and print the exports
#   down  stop it
#   env   print VSPHERE_SERVER, VSPHERE_USER, VSPHERE_PASSWORD, VSPHERE_ALLOW_UNVERIFIED_SSL, GOVC_URL ...
# Default inventory (VPX model): DC0, cluster DC0_C0 with 3 hosts, LocalDS_0, "VM Network", 2 VMs per pool.
# vcsim serves a self-signed certificate: clients need allowUnverifiedSsl / GOVC_INSECURE=1.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACTION=${1:-}
[[ -n "$ACTION" ]] || {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
shift
[[ "${1:-}" == "--" ]] && shift
D="$LAB_STATE/vcsim"
BIN="$LAB_BIN/vcsim"
USER_NAME=lab
PASSWORD=lab

ensure_vcsim() {
  lab_go_install vcsim github.com/vmware/govmomi/vcsim "$LAB_VCSIM_VERSION"
}

port() {
  if [[ -n "${LAB_VCSIM_PORT:-}" ]]; then
    printf '%s\n' "$LAB_VCSIM_PORT" >"$D/port"
  elif [[ ! -f "$D/port" ]]; then
    lab_pick_port >"$D/port"
  fi
  cat "$D/port"
}

cmd_env() {
  [[ -f "$D/port" ]] || lab_die "vcsim has never been started"
  local p
  p=$(cat "$D/port")
  cat <<EOF
export VSPHERE_SERVER='127.0.0.1:$p'
export VSPHERE_USER='$USER_NAME'
export VSPHERE_PASSWORD='$PASSWORD'
export VSPHERE_ALLOW_UNVERIFIED_SSL=true
export GOVC_URL='https://$USER_NAME:$PASSWORD@127.0.0.1:$p/sdk'
export GOVC_INSECURE=1
EOF
}

about() {
  curl -skf --max-time 2 "https://127.0.0.1:$1/about" >/dev/null 2>&1
}

cmd_up() {
  ensure_vcsim
  mkdir -p "$D"
  local p i
  p=$(port)
  if ! lab_pid_alive "$D/vcsim.pid" "$BIN"; then
    lab_port_free "$p" || lab_die "port $p is in use (set LAB_VCSIM_PORT)"
    setsid "$BIN" -l "127.0.0.1:$p" -username "$USER_NAME" -password "$PASSWORD" "$@" \
      >>"$D/vcsim.log" 2>&1 </dev/null &
    echo $! >"$D/vcsim.pid"
    lab_log "started vcsim (pid $!, log $D/vcsim.log)"
  fi
  for ((i = 0; i < 100; i++)); do
    about "$p" && break
    lab_pid_alive "$D/vcsim.pid" "$BIN" || lab_die "vcsim exited; see $D/vcsim.log"
    sleep 0.2
  done
  about "$p" || lab_die "vcsim not answering on 127.0.0.1:$p; see $D/vcsim.log"
  cmd_env
  lab_log "vcsim is up: https://127.0.0.1:$p/sdk (user $USER_NAME / password $PASSWORD)"
}

case "$ACTION" in
  build) ensure_vcsim ;;
  up) cmd_up "$@" ;;
  down) lab_stop "$D/vcsim.pid" "$BIN" vcsim ;;
  env) cmd_env ;;
  *) lab_die "unknown action '$ACTION' (build|up|down|env)" ;;
esac
