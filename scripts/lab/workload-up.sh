#!/usr/bin/env bash
# Start a second, independent apiserver+etcd that plays a workload cluster (no CRDs).
# Prints the exports for it (LAB_WORKLOAD_KUBECONFIG ...). See cluster.sh for ports and state.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/cluster.sh" up workload "$@"
