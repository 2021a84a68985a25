#!/usr/bin/env bash
# End-to-end smoke test of the lab: the real engine (pulumi + Node host + kubernetes provider)
# against the local mgmt and workload apiservers, with a file backend and a passphrase.
# Creates a throwaway TypeScript project in LAB_HOME/smoke (outside the repo; node_modules is a
# symlink to the repo's), runs `pulumi up` (Namespace, ConfigMap, CAPI Cluster CR on mgmt;
# Namespace on workload, via the token kubeconfig), checks the objects with kubectl, previews
# (expects no changes), destroys and removes the stack. Add --policy to also run the repo's
# policy pack (policy/) on the preview.
# Prereqs: engine.sh, mgmt-up.sh, workload-up.sh, and `npm ci` in the repo.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POLICY=0
[[ "${1:-}" == "--policy" ]] && POLICY=1

[[ -d "$LAB_REPO_ROOT/node_modules/@pulumi/kubernetes" ]] || lab_die "run 'npm ci' in $LAB_REPO_ROOT first"
# shellcheck source=scripts/lab/env.sh
source "$LAB_SCRIPTS_DIR/env.sh"
[[ -n "${LAB_MGMT_KUBECONFIG:-}" && -n "${LAB_WORKLOAD_TOKEN_KUBECONFIG:-}" ]] ||
  lab_die "start the clusters first: scripts/lab/mgmt-up.sh && scripts/lab/workload-up.sh"
"$LAB_SCRIPTS_DIR/cluster.sh" status mgmt 2>/dev/null || lab_die "mgmt cluster is not ready (scripts/lab/mgmt-up.sh)"
"$LAB_SCRIPTS_DIR/cluster.sh" status workload 2>/dev/null || lab_die "workload cluster is not ready (scripts/lab/workload-up.sh)"

P="$LAB_HOME/smoke/project"
rm -rf "$LAB_HOME/smoke"
mkdir -p "$P" "$LAB_HOME/smoke/state"
ln -s "$LAB_REPO_ROOT/node_modules" "$P/node_modules"
printf 'name: lab-smoke\nruntime: nodejs\n' >"$P/Pulumi.yaml"
printf '{ "name": "lab-smoke", "version": "0.0.0", "main": "index.ts" }\n' >"$P/package.json"
cat >"$P/index.ts" <<'EOF'
import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";

const kc = (v: string) => fs.readFileSync(process.env[v]!, "utf8");
const mgmt = new k8s.Provider("mgmt", { kubeconfig: kc("LAB_MGMT_KUBECONFIG") });
const workload = new k8s.Provider("workload", { kubeconfig: kc("LAB_WORKLOAD_TOKEN_KUBECONFIG") });

const ns = new k8s.core.v1.Namespace("smoke", { metadata: { name: "lab-smoke" } }, { provider: mgmt });
const cm = new k8s.core.v1.ConfigMap(
    "cm",
    { metadata: { namespace: ns.metadata.name, name: "hello" }, data: { hello: "lab" } },
    { provider: mgmt },
);
const cluster = new k8s.apiextensions.CustomResource(
    "cluster",
    {
        apiVersion: "cluster.x-k8s.io/v1beta2",
        kind: "Cluster",
        metadata: { namespace: ns.metadata.name, name: "smoke" },
        spec: { clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] } } },
    },
    // The repo's policy pack requires protected CAPI Clusters; smoke.sh unprotects before destroy.
    { provider: mgmt, protect: true },
);
const wns = new k8s.core.v1.Namespace("wl", { metadata: { name: "lab-smoke" } }, { provider: workload });

export const configMap = cm.metadata.name;
export const clusterUid = cluster.metadata.uid;
export const workloadNamespace = wns.metadata.name;
EOF

export PULUMI_BACKEND_URL="file://$LAB_HOME/smoke/state" PULUMI_CONFIG_PASSPHRASE=lab-smoke
cd "$P"
lab_time_start
pulumi stack init smoke --non-interactive >/dev/null
pulumi up --yes --non-interactive --skip-preview
kubectl --kubeconfig "$LAB_MGMT_KUBECONFIG" -n lab-smoke get configmap/hello clusters.cluster.x-k8s.io/smoke
kubectl --kubeconfig "$LAB_WORKLOAD_KUBECONFIG" get namespace lab-smoke
policy_args=()
[[ $POLICY == 1 ]] && policy_args=(--policy-pack "$LAB_REPO_ROOT/policy")
pulumi preview --expect-no-changes --non-interactive "${policy_args[@]}"
pulumi state unprotect --all --yes --non-interactive >/dev/null
pulumi destroy --yes --non-interactive --skip-preview
pulumi stack rm smoke --yes --non-interactive >/dev/null
lab_time_end "smoke.sh (up, check, preview, destroy)"
lab_log "smoke test passed"
