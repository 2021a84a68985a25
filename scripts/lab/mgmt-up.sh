#!/usr/bin/env bash
# Start the management cluster (with every CRD from LAB_CRDS_DIR, default ../shared/crds).
# Prints the exports for it (LAB_MGMT_KUBECONFIG ...). See cluster.sh for ports and state.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/cluster.sh" up mgmt --crds "$@"
