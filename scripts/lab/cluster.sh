#!/usr/bin/env bash
# Local Kubernetes control planes for the lab, on loopback only, without Docker or root:
# one etcd + kube-apiserver + kube-controller-manager per named cluster (no scheduler, no kubelet).
#
# Usage: scripts/lab/cluster.sh up|down|status|env NAME [--crds] [--purge] [--address=127.x.y.z]
#   up NAME      start (or keep) the cluster; with --crds, server-side apply every CRD under
#                LAB_CRDS_DIR (default: <repo>/../shared/crds) and wait until all are Established;
#                --address: the API server listens on that loopback address (e.g. a cluster's VIP),
#                which is also in its serving certificate and kubeconfigs (kept in ports.env);
#                --ca=DIR: the cluster's CA is DIR/ca.crt + DIR/ca.key (e.g. the one CAPI generated)
#   down NAME    stop it (state kept for the next 'up'); --purge also deletes its state dir
#   status NAME  exit 0 if the apiserver answers /readyz
#   env NAME     print shell exports for the cluster (kubeconfig path, server URL, token file)
#
# Wrappers: mgmt-up.sh / mgmt-down.sh (NAME=mgmt, with CRDs), workload-up.sh / workload-down.sh.
#
# State: LAB_HOME/state/NAME/{admin.kubeconfig,admin-token.kubeconfig,pki/,etcd-data/,*.log,*.pid,ports.env}
# Ports: random free loopback ports chosen on first 'up' and kept in ports.env; override with
#   LAB_<NAME>_APISERVER_PORT, LAB_<NAME>_ETCD_PORT, LAB_<NAME>_ETCD_PEER_PORT, LAB_<NAME>_KCM_PORT
#   (NAME upper-cased, e.g. LAB_MGMT_APISERVER_PORT=6443). LAB_KCM=0 skips the controller manager.
# TLS: a private CA per cluster signs the serving cert (127.0.0.1, localhost) and an admin client
#   cert (O=system:masters); kubeconfigs embed the CA, verification stays on.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WANT_CRDS=0
WANT_ADDRESS=
CA_DIR=
# cluster_flag ARG: the flags besides --purge.
cluster_flag() {
  case "$1" in
    --crds) WANT_CRDS=1 ;;
    --address=*) WANT_ADDRESS=${1#--address=} ;;
    --ca=*) CA_DIR=${1#--ca=} ;;
    *) return 1 ;;
  esac
}
lab_parse_action --flags=cluster_flag "$@"

UNAME=$(tr 'a-z-' 'A-Z_' <<<"$NAME")
D="$LAB_STATE/$NAME"
PKI="$D/pki"
KUBECONFIG_ADMIN="$D/admin.kubeconfig"
KUBECONFIG_TOKEN="$D/admin-token.kubeconfig"
ETCD_BIN="$LAB_BIN/etcd"
APISERVER_BIN="$LAB_BIN/kube-apiserver"
KCM_BIN="$LAB_BIN/kube-controller-manager"

kubectl_bin() {
  local k
  k=$(lab_find kubectl) || lab_die "kubectl not found on PATH"
  printf '%s\n' "$k"
}

load_ports() {
  local var val
  # shellcheck source=/dev/null
  [[ -f "$D/ports.env" ]] && source "$D/ports.env"
  BIND_ADDRESS=${WANT_ADDRESS:-${BIND_ADDRESS:-127.0.0.1}}
  [[ "$BIND_ADDRESS" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
    lab_die "--address $BIND_ADDRESS: the lab only listens on loopback (127.0.0.0/8)"
  for var in APISERVER_PORT ETCD_PORT ETCD_PEER_PORT KCM_PORT; do
    val="LAB_${UNAME}_${var}"
    if [[ -n "${!val:-}" ]]; then
      printf -v "$var" '%s' "${!val}"
    elif [[ -z "${!var:-}" ]]; then
      printf -v "$var" '%s' "$(lab_pick_port)"
    fi
  done
  cat >"$D/ports.env" <<EOF
APISERVER_PORT=$APISERVER_PORT
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
KCM_PORT=$KCM_PORT
BIND_ADDRESS=$BIND_ADDRESS
EOF
}

# adopt_ca: with --ca=DIR, DIR's CA becomes the cluster's (as kubeadm uses the CA CAPI generated);
# certificates issued by an earlier CA are dropped so they are issued again from this one.
adopt_ca() {
  [[ -n "$CA_DIR" ]] || return 0
  [[ -f "$CA_DIR/ca.crt" && -f "$CA_DIR/ca.key" ]] || lab_die "--ca=$CA_DIR: needs ca.crt and ca.key"
  cmp -s "$CA_DIR/ca.crt" "$PKI/ca.crt" && cmp -s "$CA_DIR/ca.key" "$PKI/ca.key" && return 0
  (umask 077 && cp "$CA_DIR/ca.crt" "$PKI/ca.crt" && cp "$CA_DIR/ca.key" "$PKI/ca.key")
  rm -f "$PKI"/apiserver.crt "$PKI"/admin.crt "$PKI"/ca.srl
  lab_log "cluster '$NAME' uses the CA from $CA_DIR"
}

ensure_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  adopt_ca
  lab_new_ca "$PKI" "cluster-fleet-lab-$NAME-ca"
  (
    cd "$PKI"
    # A new --address needs a serving certificate that names it.
    if [[ -f apiserver.crt ]] && ! openssl x509 -in apiserver.crt -noout -ext subjectAltName 2>/dev/null |
      grep -q "IP Address:$BIND_ADDRESS\(,\|\$\)"; then
      rm -f apiserver.crt
    fi
    if [[ ! -f apiserver.crt ]]; then
      openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
        -subj "/CN=kube-apiserver" 2>/dev/null
      printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,IP:$BIND_ADDRESS,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1" \
        >apiserver.ext
      openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    fi
    if [[ ! -f admin.crt ]]; then
      openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr \
        -subj "/O=system:masters/CN=lab-admin" 2>/dev/null
      printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=clientAuth" >admin.ext
      openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
        -extfile admin.ext -out admin.crt 2>/dev/null
    fi
    if [[ ! -f sa.key ]]; then
      openssl genrsa -out sa.key 2048 2>/dev/null
      openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    fi
    if [[ ! -f admin.token ]]; then
      (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >admin.token)
      printf '%s,lab-admin-token,lab-admin-token-uid,"system:masters"\n' "$(cat admin.token)" >tokens.csv
    fi
  )
}

write_kubeconfigs() {
  local k server="https://$BIND_ADDRESS:$APISERVER_PORT"
  k=$(kubectl_bin)
  rm -f "$KUBECONFIG_ADMIN" "$KUBECONFIG_TOKEN"
  for f in "$KUBECONFIG_ADMIN" "$KUBECONFIG_TOKEN"; do
    "$k" config --kubeconfig="$f" set-cluster "lab-$NAME" --server="$server" \
      --certificate-authority="$PKI/ca.crt" --embed-certs=true >/dev/null
  done
  "$k" config --kubeconfig="$KUBECONFIG_ADMIN" set-credentials "lab-$NAME-admin" \
    --client-certificate="$PKI/admin.crt" --client-key="$PKI/admin.key" --embed-certs=true >/dev/null
  "$k" config --kubeconfig="$KUBECONFIG_TOKEN" set-credentials "lab-$NAME-admin" \
    --token="$(cat "$PKI/admin.token")" >/dev/null
  for f in "$KUBECONFIG_ADMIN" "$KUBECONFIG_TOKEN"; do
    "$k" config --kubeconfig="$f" set-context "lab-$NAME" --cluster="lab-$NAME" --user="lab-$NAME-admin" >/dev/null
    "$k" config --kubeconfig="$f" use-context "lab-$NAME" >/dev/null
    chmod 600 "$f"
  done
}

readyz() {
  curl -sf --max-time 2 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://${BIND_ADDRESS:-127.0.0.1}:$APISERVER_PORT/readyz" >/dev/null 2>&1
}

etcd_healthy() {
  curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null | grep -q '"health":"true"'
}

install_crds() {
  local k dir
  k=$(kubectl_bin)
  [[ -d "$LAB_CRDS_DIR" ]] || lab_die "CRD directory not found: $LAB_CRDS_DIR (set LAB_CRDS_DIR)"
  dir=$(cd "$LAB_CRDS_DIR" && pwd)
  lab_time_start
  # Server-side apply: several CRDs exceed the 256 KiB last-applied annotation of client-side apply.
  "$k" --kubeconfig="$KUBECONFIG_ADMIN" apply --server-side --force-conflicts \
    --field-manager=cluster-fleet-lab -R -f "$dir" >"$D/crds-apply.log" 2>&1 ||
    {
      cat "$D/crds-apply.log" >&2
      lab_die "applying CRDs from $dir failed"
    }
  lab_wait_crds "$k" "$KUBECONFIG_ADMIN" 120 --all ||
    lab_die "CRDs did not become Established"
  lab_time_end "install CRDs ($NAME, $(grep -c . "$D/crds-apply.log") objects from $dir)"
}

cmd_up() {
  lab_need openssl curl setsid
  "$LAB_SCRIPTS_DIR/k8s-bins.sh"
  mkdir -p "$D"
  load_ports
  ensure_pki

  if ! lab_pid_alive "$D/etcd.pid" "$ETCD_BIN"; then
    lab_port_free "$ETCD_PORT" || lab_die "etcd port $ETCD_PORT is in use by another process (set LAB_${UNAME}_ETCD_PORT)"
    lab_port_free "$ETCD_PEER_PORT" || lab_die "etcd peer port $ETCD_PEER_PORT is in use (set LAB_${UNAME}_ETCD_PEER_PORT)"
    lab_start_daemon etcd "$D/etcd.pid" "$D/etcd.log" "$ETCD_BIN" \
      --name "lab-$NAME" --data-dir "$D/etcd-data" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "lab-$NAME=http://127.0.0.1:$ETCD_PEER_PORT" \
      --unsafe-no-fsync --log-level warn
  fi
  lab_wait_until etcd 30 "$D/etcd.pid" "$ETCD_BIN" "$D/etcd.log" etcd_healthy

  if ! lab_pid_alive "$D/apiserver.pid" "$APISERVER_BIN"; then
    lab_port_free "$APISERVER_PORT" "$BIND_ADDRESS" || lab_die "apiserver port $APISERVER_PORT is in use by another process (set LAB_${UNAME}_APISERVER_PORT)"
    lab_time_start
    lab_start_daemon kube-apiserver "$D/apiserver.pid" "$D/apiserver.log" "$APISERVER_BIN" \
      --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --bind-address="$BIND_ADDRESS" --advertise-address="$BIND_ADDRESS" --secure-port="$APISERVER_PORT" \
      --cert-dir="$PKI" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
      --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
      --authorization-mode=RBAC --allow-privileged=true \
      --service-cluster-ip-range=10.96.0.0/24 --endpoint-reconciler-type=none \
      --service-account-issuer=https://kubernetes.default.svc.cluster.local \
      --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
      --profiling=false
    lab_wait_until kube-apiserver 120 "$D/apiserver.pid" "$APISERVER_BIN" "$D/apiserver.log" readyz
    lab_time_end "kube-apiserver start to /readyz ($NAME)"
  fi
  lab_wait_until kube-apiserver 120 "$D/apiserver.pid" "$APISERVER_BIN" "$D/apiserver.log" readyz
  write_kubeconfigs

  if [[ "${LAB_KCM:-1}" != 0 ]] && ! lab_pid_alive "$D/kcm.pid" "$KCM_BIN"; then
    lab_port_free "$KCM_PORT" || lab_die "controller-manager port $KCM_PORT is in use (set LAB_${UNAME}_KCM_PORT)"
    lab_start_daemon kube-controller-manager "$D/kcm.pid" "$D/kcm.log" "$KCM_BIN" \
      --kubeconfig="$KUBECONFIG_ADMIN" --authentication-kubeconfig="$KUBECONFIG_ADMIN" \
      --authorization-kubeconfig="$KUBECONFIG_ADMIN" --authentication-skip-lookup=true \
      --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$D/kcm-certs" --leader-elect=false \
      --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
      --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
      --use-service-account-credentials=false \
      --controllers='*,-node-ipam-controller,-node-lifecycle-controller,-cloud-node-lifecycle-controller,-node-route-controller,-service-lb-controller,-persistentvolume-binder-controller,-persistentvolume-attach-detach-controller,-persistentvolume-expander-controller'
    # Without it no ServiceAccount token is minted and a later `up` would hang: fail here instead.
    lab_wait_until kube-controller-manager 60 "$D/kcm.pid" "$KCM_BIN" "$D/kcm.log" lab_listening "$KCM_PORT"
  fi

  [[ $WANT_CRDS == 1 ]] && install_crds
  cmd_env
  lab_log "cluster '$NAME' is up: https://$BIND_ADDRESS:$APISERVER_PORT  (kubeconfig: $KUBECONFIG_ADMIN)"
}

cmd_down() {
  if [[ -d "$D" ]]; then
    lab_stop "$D/kcm.pid" "$KCM_BIN" "kube-controller-manager ($NAME)"
    lab_stop "$D/apiserver.pid" "$APISERVER_BIN" "kube-apiserver ($NAME)"
    lab_stop "$D/etcd.pid" "$ETCD_BIN" "etcd ($NAME)"
  fi
  if [[ $PURGE == 1 ]]; then
    rm -rf "$D"
    lab_log "removed state of cluster '$NAME' ($D)"
  fi
}

cmd_status() {
  [[ -f "$D/ports.env" ]] || {
    lab_log "cluster '$NAME' has no state in $D"
    return 1
  }
  # shellcheck source=/dev/null
  source "$D/ports.env"
  local s
  for s in etcd:"$ETCD_BIN" apiserver:"$APISERVER_BIN" kcm:"$KCM_BIN"; do
    if lab_pid_alive "$D/${s%%:*}.pid" "${s#*:}"; then
      lab_log "${s%%:*}: running (pid $(cat "$D/${s%%:*}.pid"))"
    else
      lab_log "${s%%:*}: not running"
    fi
  done
  if readyz; then
    lab_log "apiserver https://${BIND_ADDRESS:-127.0.0.1}:$APISERVER_PORT is ready"
  else
    lab_log "apiserver https://${BIND_ADDRESS:-127.0.0.1}:$APISERVER_PORT is not ready"
    return 1
  fi
}

cmd_env() {
  [[ -f "$D/ports.env" ]] || lab_die "cluster '$NAME' has never been started"
  # shellcheck source=/dev/null
  source "$D/ports.env"
  cat <<EOF
export LAB_${UNAME}_KUBECONFIG='$KUBECONFIG_ADMIN'
export LAB_${UNAME}_TOKEN_KUBECONFIG='$KUBECONFIG_TOKEN'
export LAB_${UNAME}_SERVER='https://${BIND_ADDRESS:-127.0.0.1}:$APISERVER_PORT'
export LAB_${UNAME}_CA_FILE='$PKI/ca.crt'
export LAB_${UNAME}_TOKEN_FILE='$PKI/admin.token'
EOF
}

case "$ACTION" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) lab_bad_usage ;;
esac
