#!/usr/bin/env bash
# Real-engine bench (npm run bench:engine; README "Benchmarks"): up + destroy of the lab region
# with 1, 10 and 50 clusters on the stock and the patched SDK (bench/engine.ts), against two
# private clusters, bench-mgmt (every CRD from ../shared/crds) and bench-workload, which it starts
# fresh and stops and wipes again, also on failure or Ctrl-C. Nothing binds the lab VIP, and no
# other flow's cluster is touched. Figures only; it asserts nothing about time.
#
# Env: BENCH_ENGINE_* (see bench/engine.ts), LAB_BENCH_KEEP=1 keeps the clusters running.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MGMT=bench-mgmt
WORKLOAD=bench-workload

# No skip here: a bench without its lab fails (lab_e2e_require without LAB_E2E_SKIP_IF_MISSING).
LAB_E2E_SKIP_IF_MISSING=0 lab_e2e_require bench-engine "${LAB_E2E_PIECES[@]}"
[[ -d "$LAB_REPO_ROOT/node_modules/@pulumi/pulumi" ]] || lab_die "run 'npm ci' in $LAB_REPO_ROOT first"
eval "$("$LAB_SCRIPTS_DIR/engine.sh" --print-env)"

stop_clusters() {
  if [[ "${LAB_BENCH_KEEP:-0}" == 1 ]]; then
    lab_log "LAB_BENCH_KEEP=1: leaving $MGMT and $WORKLOAD running"
    return
  fi
  lab_clusters_down "$WORKLOAD" "$MGMT"
}
trap stop_clusters EXIT
trap 'exit 130' INT TERM

LAB_BENCH_KEEP=0 stop_clusters
"$LAB_SCRIPTS_DIR/cluster.sh" up "$MGMT" --crds >/dev/null
"$LAB_SCRIPTS_DIR/cluster.sh" up "$WORKLOAD" >/dev/null
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$MGMT")"
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$WORKLOAD")"
export LAB_BENCH_MGMT_KUBECONFIG LAB_BENCH_WORKLOAD_KUBECONFIG
# What an Argo CD install provides: its namespace (the cluster Secrets go there).
"$LAB_BIN/kubectl" --kubeconfig "$LAB_BENCH_MGMT_KUBECONFIG" create namespace argocd >/dev/null

cd "$LAB_REPO_ROOT"
lab_time_start
node -r ts-node/register/transpile-only bench/engine.ts
lab_time_end "bench-engine: bench/engine.ts (${BENCH_ENGINE_SIZES:-1,10,50} clusters)"
