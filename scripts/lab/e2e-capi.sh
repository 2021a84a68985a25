#!/usr/bin/env bash
# End-to-end test of the lab stack reconciled by the real Cluster API controllers (issue 9; a flow
# of npm run test:e2e, alone: npm run test:e2e:capi). Builds nothing: a missing piece fails it, or
# with LAB_E2E_SKIP_IF_MISSING=1 is a SKIPPED line (lab_e2e_require). Otherwise, on fresh private state:
#   - a management cluster (capi-e2e-mgmt) with Argo CD's CRDs only: the CAPI, CAPV and IPAM
#     CRDs come from the providers' own config trees (scripts/lab/capi.sh);
#   - a vcsim shaped like Pulumi.lab.yaml's vCenter (scripts/lab/vcsim.sh --inventory), with the
#     stack's vsphere.username and a random password, on 127.77.0.5:443 (needs root or
#     CAP_NET_BIND_SERVICE: the stack's vsphere.server has no port);
#   - the five managers (scripts/lab/capi.sh up capi-e2e-mgmt);
# then test/e2e/capi.e2e.ts, and everything is stopped and wiped again, also on failure or Ctrl-C
# (LAB_E2E_KEEP=1 keeps it running). Other people's clusters and vcsim are not touched.
# It binds the stack's VIP 127.77.0.64:6443 (the machine boot's API server, lab cluster
# wl-lab-apps), as the Argo CD flow does: never run the two at the same time. The day-2 step's
# second cluster (EXTRA_CLUSTER, added to and removed from the test's stack copy) binds its VIP
# 127.77.0.128:6443 (lab cluster wl-lab-extra) while it exists.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MGMT=capi-e2e-mgmt
export LAB_VCSIM_NAME=vcsim-capi-e2e
# vcsim as the stack's vCenter: on port 443 of an address in the stack's reserved range (its
# vsphere.server has no port; vcsim.sh --address). Only this flow uses it, under the VIP lock.
VCENTER_ADDRESS=127.77.0.5
STACK="$LAB_REPO_ROOT/Pulumi.lab.yaml"
PIECES=(pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs plugin-kubernetes plugin-command
  etcd kube-apiserver kube-controller-manager kubectl vcsim
  capi-manager capi-kubeadm-bootstrap-manager capi-kubeadm-control-plane-manager capi-ipam-manager capv-manager)

lab_e2e_require e2e-capi "${PIECES[@]}"
[[ -d "$LAB_REPO_ROOT/node_modules/@pulumi/pulumi" ]] || lab_die "run 'npm ci' in $LAB_REPO_ROOT first"

eval "$("$LAB_SCRIPTS_DIR/engine.sh" --print-env)"
stack_value() { # JS expression over the stack's project config `c`
  (cd "$LAB_REPO_ROOT" && node -r ts-node/register/transpile-only -e '
    const { projectConfigOfStackFile } = require("./components/config/stackFile");
    const c = projectConfigOfStackFile(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(eval(process.argv[2]));' "$STACK" "$1")
}
# The test takes the second cluster's name from here, so a failed run's cleanup knows its API server.
export LAB_E2E_CAPI_EXTRA_CLUSTER=lab-extra
# Lab cluster names of the machine boot's API servers (machineBoot.ts labClusterName: wl-<cluster>).
WORKLOADS="$(stack_value 'c.clusters.map((x) => "wl-" + x.name).join(" ")') wl-$LAB_E2E_CAPI_EXTRA_CLUSTER"

stop_all() {
  if [[ "${LAB_E2E_KEEP:-0}" == 1 ]]; then
    lab_log "LAB_E2E_KEEP=1: leaving $MGMT, its controllers, vcsim and $WORKLOADS running"
    return
  fi
  "$LAB_SCRIPTS_DIR/capi.sh" down "$MGMT" --purge >/dev/null 2>&1 || true
  # shellcheck disable=SC2086 # WORKLOADS is a space-separated list of names
  lab_clusters_down $WORKLOADS
  "$LAB_SCRIPTS_DIR/vcsim.sh" down --purge >/dev/null 2>&1 || true
  lab_clusters_down "$MGMT"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# Fresh state every run: a crashed earlier run may have left objects or processes behind.
stop_all
lab_time_start
LAB_CRDS_DIR="$LAB_REPO_ROOT/../shared/crds/argo-cd" "$LAB_SCRIPTS_DIR/cluster.sh" up "$MGMT" --crds >/dev/null
"$LAB_SCRIPTS_DIR/vcsim.sh" up --inventory="$STACK" --username="$(stack_value 'c.vsphere.username')" \
  --address="$VCENTER_ADDRESS" >/dev/null
"$LAB_SCRIPTS_DIR/capi.sh" up "$MGMT" >/dev/null
lab_time_end "e2e-capi: $MGMT + vcsim inventory + CAPI controllers from scratch"
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$MGMT")"
eval "$("$LAB_SCRIPTS_DIR/vcsim.sh" env)"
export LAB_E2E_MGMT_KUBECONFIG=$LAB_CAPI_E2E_MGMT_KUBECONFIG LAB_HOME

lab_mocha e2e-capi 1800000 test/e2e/capi.e2e.ts --bail
