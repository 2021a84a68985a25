# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for scripts/lab/*.sh. Source it; do not run it.
#
# Everything built or started lives under LAB_HOME (default ~/.cache/cluster-fleet-lab);
# Go builds run in LAB_BUILD (default ~/build/cluster-fleet-lab), always outside the repo.

LAB_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO_ROOT="$(cd "$LAB_SCRIPTS_DIR/../.." && pwd)"

: "${LAB_HOME:=${XDG_CACHE_HOME:-$HOME/.cache}/cluster-fleet-lab}"
: "${LAB_BUILD:=$HOME/build/cluster-fleet-lab}"
# Go builds use the module proxy only: no ",direct" fallback to VCS hosts (unreachable here anyway).
export GOPROXY="${LAB_GOPROXY:-https://proxy.golang.org}"
LAB_BIN="$LAB_HOME/bin"
LAB_PROVIDERS="$LAB_HOME/providers"
LAB_STATE="$LAB_HOME/state"
LAB_LOGS="$LAB_HOME/logs"
LAB_PULUMI_HOME="$LAB_HOME/pulumi-home"
: "${LAB_CRDS_DIR:=$LAB_REPO_ROOT/../shared/crds}"

# Versions. The proxy does not serve every upstream version; see scripts/lab/README.md.
LAB_PULUMI_VERSION=3.248.0
# pulumi-kubernetes: the proxy serves exactly one provider/v4 version, a master pseudo-version
# from 2026-01-15 (between 4.24.0 and 4.25.0). It is built from that and installed under the
# version @pulumi/kubernetes asks for.
LAB_K8S_PROVIDER_VERSION=4.34.2
LAB_K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
LAB_K8S_PROVIDER_MODVER=v4.0.0-20260115033456-f47bc2d6f199
LAB_K8S_PROVIDER_SDKVER=v4.24.0
LAB_COMMAND_VERSION=1.2.1
LAB_COMMAND_MODULE=github.com/pulumi/pulumi-command/provider
LAB_COMMAND_MODVER=v0.0.0-20260303235922-7f3eb6f3b77c
LAB_KUBE_VERSION=v1.34.4
LAB_ETCD_VERSION=v3.6.16
# vcsim: from v0.47.0 on it is a nested module (github.com/vmware/govmomi/vcsim) that the proxy does
# not serve; v0.46.3 is the newest release whose main module still contains it.
LAB_VCSIM_VERSION=v0.46.3

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

lab_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || lab_die "'$c' is required but not on PATH"
  done
}

# Refuse to build inside the repository (nothing built is committed).
lab_check_build_dir() {
  mkdir -p "$LAB_BUILD"
  local b r
  b="$(cd "$LAB_BUILD" && pwd -P)"
  r="$(cd "$LAB_REPO_ROOT" && pwd -P)"
  case "$b/" in
    "$r"/*) lab_die "LAB_BUILD ($b) is inside the repo ($r); choose a directory outside it" ;;
  esac
}

# lab_find NAME: print the path of NAME in LAB_BIN, else on PATH; fail quietly if absent.
lab_find() {
  if [[ -x "$LAB_BIN/$1" ]]; then
    printf '%s\n' "$LAB_BIN/$1"
  else
    command -v "$1" 2>/dev/null
  fi
}

# lab_time_start; ...; lab_time_end LABEL -> logs the elapsed time and appends it to logs/timings.log.
lab_time_start() { LAB_T0=$(date +%s%N); }
lab_time_end() {
  local ms=$((($(date +%s%N) - LAB_T0) / 1000000)) dt
  dt=$(printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100)))
  mkdir -p "$LAB_LOGS"
  printf '%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" "$1" "$dt" >>"$LAB_LOGS/timings.log"
  lab_log "$1 took ${dt}s"
}

# lab_port_free PORT [HOST]: true if nothing listens on HOST:PORT (default 127.0.0.1; loopback only).
lab_port_free() {
  ! (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# lab_pick_port: print a random free loopback port in 20000-32767, below Linux's ephemeral range
# (32768-60999), so an outgoing connection cannot take it between the pick and the bind.
lab_pick_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + (RANDOM * 32768 + RANDOM + i) % 12768))
    if lab_port_free "$p"; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  lab_die "could not find a free loopback port"
}

# lab_pid_alive PIDFILE EXE: true if PIDFILE names a live process whose executable is EXE.
lab_pid_alive() {
  local pidfile=$1 exe=$2 pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(cat "$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" == "$(readlink -f "$exe")" ]]
}

# lab_stop PIDFILE EXE NAME: SIGTERM the process (only if it is EXE), wait, then SIGKILL.
lab_stop() {
  local pidfile=$1 exe=$2 name=$3 pid i
  if ! lab_pid_alive "$pidfile" "$exe"; then
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    lab_log "$name (pid $pid) did not stop after 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  lab_log "stopped $name (pid $pid)"
}
