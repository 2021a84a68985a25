#!/usr/bin/env bash
# The main end-to-end flow of the program on the real engine (the first flow of scripts/lab/e2e.sh,
# npm run test:e2e; alone: npm run test:e2e:lab; README "Real-engine lab").
#
# Builds nothing. If a piece it needs (LAB_E2E_PIECES in lib.sh) is missing from LAB_HOME or is a
# dangling link, it names them and FAILS, pointing at scripts/lab/build.sh; only with
# LAB_E2E_SKIP_IF_MISSING=1 (which .ci/run sets) does it print a skip line (lab_e2e_require).
# Otherwise it starts two fresh, private clusters (e2e-mgmt with every CRD from ../shared/crds,
# e2e-workload), runs test/e2e/lab.e2e.ts through the pipeline driver, and stops and wipes both
# clusters again, also on failure or Ctrl-C.
# The clusters other people use (mgmt, workload) are not touched.
#
# Env: LAB_HOME (default ~/.cache/cluster-fleet-lab), LAB_E2E_KEEP=1 keeps the clusters running,
# LAB_E2E_SKIP_IF_MISSING=1 turns a missing lab into a skip (exit LAB_E2E_SKIP_EXIT: 0 alone, 77
# under e2e.sh) instead of a failure.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MGMT=e2e-mgmt
WORKLOAD=e2e-workload

lab_e2e_require e2e-lab "${LAB_E2E_PIECES[@]}"
[[ -d "$LAB_REPO_ROOT/node_modules/@pulumi/pulumi" ]] || lab_die "run 'npm ci' in $LAB_REPO_ROOT first"
[[ -d "$LAB_CRDS_DIR" ]] || lab_die "CRD directory not found: $LAB_CRDS_DIR (../shared/crds)"

eval "$("$LAB_SCRIPTS_DIR/engine.sh" --print-env)"

stop_clusters() {
  if [[ "${LAB_E2E_KEEP:-0}" == 1 ]]; then
    lab_log "LAB_E2E_KEEP=1: leaving $MGMT and $WORKLOAD running"
    return
  fi
  lab_clusters_down "$WORKLOAD" "$MGMT"
}
trap stop_clusters EXIT
trap 'exit 130' INT TERM

# Fresh state every run: a crashed earlier run may have left objects or processes behind.
lab_clusters_down "$WORKLOAD" "$MGMT"
lab_time_start
"$LAB_SCRIPTS_DIR/cluster.sh" up "$MGMT" --crds >/dev/null
"$LAB_SCRIPTS_DIR/cluster.sh" up "$WORKLOAD" >/dev/null
lab_time_end "e2e: start $MGMT (with CRDs) and $WORKLOAD from scratch"
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$MGMT")"
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$WORKLOAD")"
export LAB_E2E_MGMT_KUBECONFIG LAB_E2E_WORKLOAD_KUBECONFIG

# --bail: every step needs the state the previous one left. Each engine run has its own timeout
# (test/e2e/support/process.ts).
lab_mocha e2e 900000 test/e2e/lab.e2e.ts --bail

