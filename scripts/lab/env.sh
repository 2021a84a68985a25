# shellcheck shell=bash
# Source this file (do not run it) to use the lab engine and clusters in the current shell:
#   source scripts/lab/env.sh
# It only sets variables (no set -e here, so it is safe in an interactive shell):
#   PATH (LAB_HOME/bin first), PULUMI_HOME, PULUMI_SKIP_UPDATE_CHECK,
#   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION, PULUMI_DISABLE_REGISTRY_RESOLVE,
#   PULUMI_BACKEND_URL (if unset: file://LAB_HOME/pulumi-state),
#   and LAB_<CLUSTER>_{KUBECONFIG,TOKEN_KUBECONFIG,SERVER,CA_FILE,TOKEN_FILE} for clusters started
#   by mgmt-up.sh / workload-up.sh, and VSPHERE_* / GOVC_* once vcsim.sh has been started.
#   PULUMI_CONFIG_PASSPHRASE is left to you.
# Run scripts/lab/engine.sh first to build/install what is missing.
_lab_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$("$_lab_dir/engine.sh" --print-env)"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$LAB_HOME/pulumi-state}"
mkdir -p "$LAB_HOME/pulumi-state"
for _lab_c in mgmt workload; do
  if [[ -f "$LAB_HOME/state/$_lab_c/ports.env" ]]; then
    eval "$("$_lab_dir/cluster.sh" env "$_lab_c")"
  fi
done
if [[ -f "$LAB_HOME/state/vcsim/port" ]]; then
  eval "$("$_lab_dir/vcsim.sh" env)"
fi
unset _lab_dir _lab_c
