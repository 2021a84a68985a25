#!/usr/bin/env bash
# Faults in the real engine and a shared S3 state backend (npm run test:faults; issue 10 item 6,
# issue 11 item 5): SIGKILL during up, two drivers on one stack, the management API server lost
# mid-up, two regions and a lock race on an s3:// backend. Separate from the main e2e (e2e.sh).
#
# Builds nothing. Starts private clusters faults-mgmt (every CRD from ../shared/crds),
# faults-workload and faults-workload-b and an S3 store (s3.sh up faults-s3), runs
# test/e2e/faults.e2e.ts, and stops and wipes all of them again, also on failure or Ctrl-C.
# Other clusters (mgmt, workload, e2e-*) are not touched.
#
# Arguments go to mocha: `npm run test:faults -- --grep "shared S3"` runs only the S3 steps.
# Env: LAB_HOME, LAB_FAULTS_KEEP=1 keeps everything running, LAB_E2E_SKIP_IF_MISSING=1 turns a
# missing lab into a skip (exit 0) instead of a failure.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MGMT=faults-mgmt
WORKLOADS=(faults-workload faults-workload-b)
S3=faults-s3

# The e2e flows' gate (lab_e2e_require in lib.sh) plus the object store.
lab_e2e_require faults "${LAB_E2E_PIECES[@]}" versitygw
[[ -d "$LAB_REPO_ROOT/node_modules/@pulumi/pulumi" ]] || lab_die "run 'npm ci' in $LAB_REPO_ROOT first"

eval "$("$LAB_SCRIPTS_DIR/engine.sh" --print-env)"

stop_all() {
  if [[ "${LAB_FAULTS_KEEP:-0}" == 1 ]]; then
    lab_log "LAB_FAULTS_KEEP=1: leaving $MGMT ${WORKLOADS[*]} and $S3 running"
    return
  fi
  lab_clusters_down "${WORKLOADS[@]}" "$MGMT"
  "$LAB_SCRIPTS_DIR/s3.sh" down "$S3" --purge >/dev/null 2>&1 || true
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Fresh state every run: a crashed earlier run may have left objects or processes behind.
LAB_FAULTS_KEEP=0 stop_all
lab_time_start
"$LAB_SCRIPTS_DIR/cluster.sh" up "$MGMT" --crds >/dev/null
for c in "${WORKLOADS[@]}"; do
  "$LAB_SCRIPTS_DIR/cluster.sh" up "$c" >/dev/null
done
"$LAB_SCRIPTS_DIR/s3.sh" up "$S3" >/dev/null
lab_time_end "faults: start $MGMT (with CRDs), ${WORKLOADS[*]} and $S3 from scratch"
for c in "$MGMT" "${WORKLOADS[@]}"; do
  eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$c")"
done
export LAB_FAULTS_MGMT_KUBECONFIG LAB_FAULTS_WORKLOAD_KUBECONFIG LAB_FAULTS_WORKLOAD_B_KUBECONFIG
export LAB_FAULTS_S3=$S3

lab_mocha faults 2400000 test/e2e/faults.e2e.ts "$@"
