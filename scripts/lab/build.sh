#!/usr/bin/env bash
# Build the whole lab into LAB_HOME (default ~/.cache/cluster-fleet-lab), from Go modules only, in
# LAB_BUILD (default ~/build/cluster-fleet-lab). The one command for it; idempotent: every piece that
# is present at its version is skipped, so a warm run takes seconds.
#
# Usage: scripts/lab/build.sh [--list | --download] [component|piece...]
#   (none)      build every component, in this order:
#                 engine     pulumi CLI, Node language host, shim, kubernetes + command plugins (engine.sh)
#                 k8s        etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s-bins.sh)
#                 vcsim      vCenter simulator (vcsim.sh build)
#                 versitygw helm kustomize redis-lite kwok      (tools-bins.sh)
#                 argocd     Argo CD, one binary + argocd-server, -repo-server, ... links (argocd-bins.sh)
#                 capi capi-ipam capv                           (capi-bins.sh)
#               A piece name (e.g. kube-scheduler, capi-manager) builds its component.
#   --list      print every piece: present (path) or missing (why, and the command that builds it)
#   --download  fetch the Go modules the components need (network only), compile nothing
# A failed component does not stop the others; the exit status is 1 if any failed.
# Logs: LAB_HOME/logs/build-*.log; times: LAB_HOME/logs/timings.log.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ORDER=(engine k8s vcsim versitygw argocd helm kustomize redis-lite kwok capi capi-ipam capv)
MODE=build
COMPONENTS=()
for a in "$@"; do
  case "$a" in
    --list) MODE=list ;;
    --download) MODE=download ;;
    -h | --help)
      lab_usage
      exit 0
      ;;
    -*) lab_die "unknown option '$a' (see --help)" ;;
    *)
      c=$(lab_piece_component "$a")
      [[ " ${ORDER[*]} " == *" $c "* ]] || lab_die "unknown component or piece '$a' (components: ${ORDER[*]}; pieces: ${LAB_PIECES[*]})"
      [[ " ${COMPONENTS[*]} " == *" $c "* ]] || COMPONENTS+=("$c")
      ;;
  esac
done
[[ ${#COMPONENTS[@]} -gt 0 ]] || COMPONENTS=("${ORDER[@]}")

# component_cmd COMPONENT: the script (and arguments) that builds it.
component_cmd() {
  case "$1" in
    engine) echo "$LAB_SCRIPTS_DIR/engine.sh" ;;
    k8s) echo "$LAB_SCRIPTS_DIR/k8s-bins.sh" ;;
    vcsim) echo "$LAB_SCRIPTS_DIR/vcsim.sh build" ;;
    versitygw | helm | kustomize | redis-lite | kwok) echo "$LAB_SCRIPTS_DIR/tools-bins.sh $1" ;;
    argocd) echo "$LAB_SCRIPTS_DIR/argocd-bins.sh" ;;
    capi | capi-ipam | capv) echo "$LAB_SCRIPTS_DIR/capi-bins.sh $1" ;;
  esac
}

list_pieces() {
  local n why missing=0
  for n in "${LAB_PIECES[@]}"; do
    if why=$(lab_piece_check "$n"); then
      printf 'present  %-36s %s\n' "$n" "$(lab_piece_path "$n")"
    else
      printf 'MISSING  %-36s %s  (scripts/lab/build.sh %s)\n' "$n" "$why" "$(lab_piece_component "$n")"
      missing=$((missing + 1))
    fi
  done
  echo "# ${#LAB_PIECES[@]} pieces, $missing missing (LAB_HOME=$LAB_HOME)"
}

# The modules whose config/ and manifests/ trees lab scripts read at run time (lab_module_dir).
download_runtime_modules() {
  local m
  for m in "${LAB_RUNTIME_MODULES[@]}"; do
    lab_module_dir "${m%@*}" "${m#*@}" >/dev/null || return 1
  done
}

if [[ $MODE == list ]]; then
  list_pieces
  exit 0
fi

lab_need go node
mkdir -p "$LAB_LOGS"
download_runtime_modules || lab_die "could not download the lab's runtime modules (${LAB_RUNTIME_MODULES[*]})"
FAILED=()
lab_time_start
T_ALL=$LAB_T0
for c in "${COMPONENTS[@]}"; do
  # shellcheck disable=SC2207
  cmd=($(component_cmd "$c"))
  if [[ $MODE == download ]]; then
    case "$c" in
      engine | k8s | vcsim) lab_log "$c: no separate download step (its script fetches as it builds)" ;;
      *) "${cmd[@]}" --download || FAILED+=("$c") ;;
    esac
    continue
  fi
  lab_log "== $c: ${cmd[*]}"
  lab_time_start
  if "${cmd[@]}" >&2; then
    lab_time_end "build.sh $c"
  else
    lab_log "component $c FAILED (exit $?)"
    FAILED+=("$c")
  fi
done
LAB_T0=$T_ALL
lab_time_end "build.sh ${MODE} ${COMPONENTS[*]}"

if [[ $MODE == build ]]; then
  list_pieces
fi
if [[ ${#FAILED[@]} -gt 0 ]]; then
  lab_die "failed: ${FAILED[*]} (see the logs in $LAB_LOGS)"
fi
