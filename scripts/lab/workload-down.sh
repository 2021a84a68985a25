#!/usr/bin/env bash
# Stop the lab's workload cluster (kube-controller-manager, kube-apiserver, etcd). --purge deletes its state.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/cluster.sh" down workload "$@"
