#!/usr/bin/env bash
# The Argo CD flow of the lab e2e (a flow of scripts/lab/e2e.sh, npm run test:e2e; alone:
# npm run test:e2e:argocd; issue 8): a real Argo CD syncs cluster-config into a workload cluster
# that listens on its VIP.
#
# Builds nothing. A missing piece fails it (naming the scripts/lab/build.sh command), or with
# LAB_E2E_SKIP_IF_MISSING=1 is a skip (lab_e2e_require in lib.sh). Otherwise it starts, from scratch:
#   e2e-argo-mgmt   management cluster with every CRD from ../shared/crds, and a real Argo CD
#                   (scripts/lab/argocd.sh) bound to it
#   e2e-argo-wl     the workload cluster on the lab cluster's VIP:6443 (Pulumi.lab.yaml), with
#                   ../shared/calico/crds-v3 in place of Calico's API server, kube-scheduler and
#                   kwok nodes (scripts/lab/nodes.sh)
# runs test/e2e/argocd.e2e.ts and stops and wipes all of it again, also on failure or Ctrl-C.
# Env: LAB_HOME, LAB_E2E_KEEP=1 keeps everything running, LAB_E2E_SKIP_IF_MISSING=1.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MGMT=e2e-argo-mgmt
WL=e2e-argo-wl

lab_e2e_require argocd-e2e "${LAB_E2E_PIECES[@]}" argocd argocd-server argocd-application-controller \
  argocd-repo-server helm kustomize redis-lite kube-scheduler kwok
lab_need git node

eval "$("$LAB_SCRIPTS_DIR/engine.sh" --print-env)"

# The VIP of the lab stack's one cluster, as the program plans it.
VIP=$(cd "$LAB_REPO_ROOT" && node -r ts-node/register/transpile-only -e '
  const fs = require("fs");
  const { projectConfigOfStackFile } = require("./components/config/stackFile");
  const { parseRegionConfig } = require("./components/config/parse");
  const r = parseRegionConfig(projectConfigOfStackFile(fs.readFileSync("Pulumi.lab.yaml", "utf8")));
  process.stdout.write(r.plan.clusters[0].vip);')

stop_all() {
  if [[ "${LAB_E2E_KEEP:-0}" == 1 ]]; then
    lab_log "LAB_E2E_KEEP=1: leaving Argo CD, $MGMT and $WL running"
    return
  fi
  "$LAB_SCRIPTS_DIR/argocd.sh" down "$MGMT" --purge >/dev/null 2>&1 || true
  "$LAB_SCRIPTS_DIR/nodes.sh" down "$WL" --purge >/dev/null 2>&1 || true
  lab_clusters_down "$WL" "$MGMT"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

LAB_E2E_KEEP=0 stop_all
lab_time_start
"$LAB_SCRIPTS_DIR/cluster.sh" up "$MGMT" --crds >/dev/null
LAB_CRDS_DIR="$LAB_REPO_ROOT/../shared/calico/crds-v3" LAB_E2E_ARGO_WL_APISERVER_PORT=6443 \
  "$LAB_SCRIPTS_DIR/cluster.sh" up "$WL" --crds --address="$VIP" >/dev/null
"$LAB_SCRIPTS_DIR/nodes.sh" up "$WL"
lab_time_end "e2e (Argo CD): $MGMT and $WL (VIP $VIP:6443, kwok nodes) from scratch"
lab_time_start
# Checked on its own: a failing command substitution inside eval would not stop the script.
argocd_env=$("$LAB_SCRIPTS_DIR/argocd.sh" up "$MGMT") || lab_die "scripts/lab/argocd.sh up $MGMT failed"
eval "$argocd_env"
lab_time_end "e2e (Argo CD): Argo CD up from scratch"
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$MGMT")"
eval "$("$LAB_SCRIPTS_DIR/cluster.sh" env "$WL")"
export LAB_E2E_ARGO_MGMT_KUBECONFIG LAB_E2E_ARGO_WL_KUBECONFIG LAB_ARGOCD_URL LAB_ARGOCD_CA_FILE \
  LAB_ARGOCD_TOKEN_FILE LAB_ARGOCD_ACCOUNT LAB_ARGOCD_PROJECT LAB_ARGOCD_NAMESPACE LAB_ARGOCD_GIT_URL \
  LAB_ARGOCD_GIT_DIR LAB_ARGOCD_CHART_REPO_URL LAB_HOME

lab_mocha "e2e (Argo CD)" 1800000 test/e2e/argocd.e2e.ts --bail
