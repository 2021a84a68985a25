#!/usr/bin/env bash
# Simulated nodes for a lab cluster, so its Pods get scheduled and reported running: the real
# kube-scheduler plus kwok (fake Nodes and the Pod lifecycle: scheduled Pods become Running and
# Ready, deleted Pods go away). No container runs; Pod IPs and node addresses are only status.
#
# Usage: scripts/lab/nodes.sh up|down NAME [--purge]
#   up NAME    the cluster must be up (cluster.sh). Starts kube-scheduler and kwok against it and
#              creates LAB_NODES_CONTROL_PLANE (default 1) control-plane and LAB_NODES_WORKERS
#              (default 2) worker Nodes named NAME-cp-N / NAME-worker-N
#   down NAME  stop both (state kept); --purge also deletes the state dir
# kwok's stages are its own node-fast and pod-fast stages, read from the kwok module.
# State: LAB_HOME/state/nodes-NAME/{ports.env,*.pid,*.log,stages.yaml}.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_parse_action "$@"

D="$LAB_STATE/nodes-$NAME"
KUBECONFIG_ADMIN="$LAB_STATE/$NAME/admin.kubeconfig"
SCHEDULER_BIN="$LAB_BIN/kube-scheduler"
KWOK_BIN="$LAB_BIN/kwok"

k() { lab_kubectl "$KUBECONFIG_ADMIN" "$@"; }

stages() {
  local dir f
  dir=$(lab_module_dir sigs.k8s.io/kwok "$LAB_KWOK_VERSION") || lab_die "cannot read the kwok module"
  for f in node/fast/node-initialize.yaml pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml \
    pod/fast/pod-delete.yaml; do
    printf -- '---\n'
    cat "$dir/kustomize/stage/$f"
  done
}

# node NAME ROLE: a Node kwok manages (annotation), with the labels real kubeadm nodes carry.
node() {
  local taint=""
  [[ $2 == control-plane ]] &&
    taint='taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]'
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: $1
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels:
    kubernetes.io/hostname: $1
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    $([[ $2 == control-plane ]] && echo 'node-role.kubernetes.io/control-plane: ""' || echo 'node-role.kubernetes.io/worker: ""')
spec:
  $taint
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
EOF
}

wait_listening() { # WHAT PORT PIDFILE BIN LOG
  local i
  for ((i = 0; i < 300; i++)); do
    lab_port_free "$2" || return 0
    lab_pid_alive "$3" "$4" || {
      tail -n 20 "$5" >&2 || true
      lab_die "$1 exited during startup; see $5"
    }
    sleep 0.2
  done
  lab_die "$1 not listening after 60s; see $5"
}

cmd_up() {
  [[ -x "$SCHEDULER_BIN" && -x "$KWOK_BIN" ]] || lab_die "kube-scheduler and kwok must be in $LAB_BIN"
  "$LAB_SCRIPTS_DIR/cluster.sh" status "$NAME" 2>/dev/null || lab_die "cluster '$NAME' is not up"
  mkdir -p "$D"
  lab_load_ports "$D/ports.env" SCHEDULER_PORT KWOK_PORT
  stages >"$D/stages.yaml"
  lab_start_daemon kube-scheduler "$D/scheduler.pid" "$D/scheduler.log" "$SCHEDULER_BIN" \
    --kubeconfig="$KUBECONFIG_ADMIN" --authentication-kubeconfig="$KUBECONFIG_ADMIN" \
    --authorization-kubeconfig="$KUBECONFIG_ADMIN" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$D/scheduler-certs"
  wait_listening kube-scheduler "$SCHEDULER_PORT" "$D/scheduler.pid" "$SCHEDULER_BIN" "$D/scheduler.log"
  # Pod IPs (non-host-network Pods) and node addresses are status only, kept on loopback.
  lab_start_daemon kwok "$D/kwok.pid" "$D/kwok.log" "$KWOK_BIN" --kubeconfig="$KUBECONFIG_ADMIN" \
    --config="$D/stages.yaml" --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --server-address="127.0.0.1:$KWOK_PORT" --cidr="${LAB_NODES_POD_CIDR:-127.78.0.0/16}" \
    --node-ip="${LAB_NODES_NODE_IP:-127.0.0.1}"
  wait_listening kwok "$KWOK_PORT" "$D/kwok.pid" "$KWOK_BIN" "$D/kwok.log"
  local i nodes=()
  for ((i = 0; i < ${LAB_NODES_CONTROL_PLANE:-1}; i++)); do
    node "$NAME-cp-$i" control-plane
    nodes+=("$NAME-cp-$i")
  done >"$D/nodes.yaml"
  for ((i = 0; i < ${LAB_NODES_WORKERS:-2}; i++)); do
    node "$NAME-worker-$i" worker
    nodes+=("$NAME-worker-$i")
  done >>"$D/nodes.yaml"
  k apply -f "$D/nodes.yaml" >/dev/null
  k wait --for=condition=Ready --timeout=60s "${nodes[@]/#/node/}" >/dev/null ||
    lab_die "kwok did not make the nodes Ready; see $D/kwok.log"
  lab_log "cluster '$NAME' has ${#nodes[@]} kwok nodes and a scheduler"
}

cmd_down() {
  if [[ -d "$D" ]]; then
    lab_stop "$D/kwok.pid" "$KWOK_BIN" "kwok ($NAME)"
    lab_stop "$D/scheduler.pid" "$SCHEDULER_BIN" "kube-scheduler ($NAME)"
  fi
  if [[ $PURGE == 1 ]]; then
    rm -rf "$D"
  fi
}

case "$ACTION" in
  up) cmd_up ;;
  down) cmd_down ;;
  *) lab_bad_usage ;;
esac
