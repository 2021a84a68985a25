#!/usr/bin/env bash
# A real Argo CD for a lab management cluster, as local processes on loopback (no Docker, no root):
# argocd-server, argocd-repo-server and argocd-application-controller (the v3.5.7 multi-call binary
# in LAB_HOME/bin), a Redis stand-in (redis-lite), and a source server (git-serve.ts) with the git
# repository holding cluster-config/ and a Helm chart repository with tigera-operator.
#
# Usage: scripts/lab/argocd.sh up|down|status|env CLUSTER [--purge]
#   up CLUSTER    the cluster must be up (cluster.sh). Applies Argo CD's CRDs and the ConfigMaps,
#                 Secrets and RBAC its processes need, taken from the Argo CD module's
#                 manifests/install.yaml (Deployments, Services, NetworkPolicies skipped: the
#                 processes run here), starts everything and prints the env (see `env`)
#   down CLUSTER  stop the processes (state kept); --purge also deletes the state dir
#   status        exit 0 if argocd-server answers /healthz over verified TLS
#   env CLUSTER   LAB_ARGOCD_{URL,CA_FILE,TOKEN_FILE,ACCOUNT,PROJECT,GIT_URL,GIT_DIR,CHART_REPO_URL}
#
# What it sets up (state in LAB_HOME/state/argocd-CLUSTER):
#   - a lab CA; it signs argocd-server's certificate (Secret argocd-server-tls), the repo-server's
#     (clients verify it: --repo-server-strict-tls) and the source server's; Argo CD trusts the
#     latter through argocd-tls-certs-cm (entry added with `argocd cert add-tls`)
#   - server and controller authenticate to the cluster as their ServiceAccounts from install.yaml
#     (TokenRequest tokens in per-process kubeconfigs), so install.yaml's RBAC is what they get
#   - account LAB_ARGOCD_ACCOUNT (default ci) with the apiKey capability in argocd-cm, RBAC in
#     argocd-rbac-cm (clusters get; applications get+sync in the project), its token created with
#     `argocd account generate-token` through argocd-server (file ci.token, mode 600)
#   - AppProject LAB_ARGOCD_PROJECT (default cluster-fleet): the two sources, any destination
#   - git: a bare repository git/cluster-fleet.git whose main branch holds a copy of
#     <repo>/cluster-config (the checkout is never touched); charts: `helm package` of
#     ../shared/charts/tigera-operator plus `helm repo index`
# Ports: random free loopback ports picked on first up, kept in ports.env. Logs: *.log in the state dir.
# The application controller's metrics listener binds 0.0.0.0 (Argo CD has no flag for it).
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_parse_action "$@"
CLUSTER=$NAME

D="$LAB_STATE/argocd-$CLUSTER"
PKI="$D/pki"
# install.yaml's ClusterRoleBindings name this namespace.
NS=argocd
ACCOUNT=${LAB_ARGOCD_ACCOUNT:-ci}
PROJECT=${LAB_ARGOCD_PROJECT:-cluster-fleet}
ARGOCD_BIN="$LAB_BIN/argocd"
REDIS_BIN="$LAB_BIN/redis-lite"
NODE_BIN=$(command -v node || true)
: "${LAB_CHART_DIR:=$LAB_REPO_ROOT/../shared/charts/tigera-operator}"
CLUSTER_KUBECONFIG="$LAB_STATE/$CLUSTER/admin.kubeconfig"

k() { lab_kubectl "$CLUSTER_KUBECONFIG" "$@"; }

# issue NAME SAN: a key and a certificate signed by the lab Argo CD CA, for server use.
issue() { lab_issue_cert "$PKI" "$PKI/$1" "$1" serverAuth "$2"; }

ensure_pki() {
  mkdir -p "$PKI" && chmod 700 "$PKI"
  lab_new_ca "$PKI" "cluster-fleet-lab-argocd-$CLUSTER-ca"
  issue argocd-server "IP:127.0.0.1,DNS:localhost,DNS:argocd-server,DNS:argocd-server.$NS.svc"
  issue argocd-repo-server "IP:127.0.0.1,DNS:localhost,DNS:argocd-repo-server"
  issue sources "IP:127.0.0.1,DNS:localhost"
  [[ -f "$PKI/redis.password" ]] || (umask 077 && od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$PKI/redis.password")
  # What the pods would mount (ARGOCD_APP_CONF_PATH): the repo-server's key pair, and for its
  # clients the certificate and CA to verify it with.
  local c
  mkdir -p "$D/app-config/reposerver/tls"
  cp "$PKI/argocd-repo-server.crt" "$D/app-config/reposerver/tls/tls.crt"
  cp "$PKI/argocd-repo-server.key" "$D/app-config/reposerver/tls/tls.key"
  for c in reposerver controller server; do
    mkdir -p "$D/app-config/$c/tls"
    cp "$PKI/ca.crt" "$D/app-config/$c/tls/ca.crt"
    [[ $c == reposerver ]] || cp "$PKI/argocd-repo-server.crt" "$D/app-config/$c/tls/tls.crt"
  done
}

# Argo CD's own install manifest, reduced to what local processes need: the CRDs, and the
# ServiceAccounts, RBAC, ConfigMaps and Secrets of the server, controller and repo-server.
install_subset() {
  local dir
  dir=$(lab_module_dir "$LAB_ARGOCD_MODULE" "$LAB_ARGOCD_VERSION") ||
    lab_die "cannot download $LAB_ARGOCD_MODULE@$LAB_ARGOCD_VERSION to read its manifests"
  awk -v keep='^(CustomResourceDefinition|ServiceAccount|Role|ClusterRole|RoleBinding|ClusterRoleBinding|ConfigMap|Secret)$' \
    -v skip='^argocd-(applicationset-controller|dex-server|notifications-controller|notifications-cm|notifications-secret|redis)$' '
    function flush() {
      if (doc != "" && kind ~ keep && name !~ skip) printf "---\n%s", doc
      doc = ""; kind = ""; name = ""; section = ""
    }
    /^---/ { flush(); next }
    { doc = doc $0 "\n" }
    /^kind: / { kind = $2 }
    /^[a-z]/ { section = $1 }
    section == "metadata:" && /^  name: / && name == "" { name = $2 }
    END { flush() }' "$dir/manifests/install.yaml"
  # The image's /usr/local/bin scripts: the repo-server runs git-verify-wrapper.sh on every
  # revision even with GPG off, and fails with "permission denied" without it.
  mkdir -p "$D/image-bin"
  install -m 0755 "$dir/hack/gpg-wrapper.sh" "$dir/hack/git-verify-wrapper.sh" "$D/image-bin/"
}

apply_install() {
  lab_time_start
  install_subset >"$D/install-subset.yaml"
  k create namespace "$NS" --dry-run=client -o yaml | k apply -f - >/dev/null
  k apply --server-side --force-conflicts --field-manager=argocd-lab -n "$NS" \
    -f "$D/install-subset.yaml" >"$D/install-apply.log" 2>&1 || {
    cat "$D/install-apply.log" >&2
    lab_die "applying Argo CD's install manifests failed"
  }
  k wait --for=condition=Established --timeout=60s crd/applications.argoproj.io \
    crd/appprojects.argoproj.io crd/applicationsets.argoproj.io >/dev/null
  k -n "$NS" create secret tls argocd-server-tls --cert="$PKI/argocd-server.crt" \
    --key="$PKI/argocd-server.key" --dry-run=client -o yaml | k apply -f - >/dev/null
  k -n "$NS" patch configmap argocd-cm --type merge \
    -p "{\"data\":{\"accounts.$ACCOUNT\":\"apiKey\"}}" >/dev/null
  # What cluster-fleet's sync provider calls: the cluster list, the app GET (with refresh), sync.
  k -n "$NS" patch configmap argocd-rbac-cm --type merge -p "$(
    printf '{"data":{"policy.default":"","policy.csv":"%s"}}' \
      "p, role:cluster-fleet-ci, clusters, get, *, allow\\np, role:cluster-fleet-ci, applications, get, $PROJECT/*, allow\\np, role:cluster-fleet-ci, applications, sync, $PROJECT/*, allow\\ng, $ACCOUNT, role:cluster-fleet-ci\\n"
  )" >/dev/null
  k apply -f - >/dev/null <<EOF
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: $PROJECT
  namespace: $NS
spec:
  description: cluster-fleet's cluster-config Applications (lab)
  sourceRepos:
    - $(git_url)
    - $(chart_url)
  destinations:
    - {server: "*", namespace: "*"}
    - {name: "*", namespace: "*"}
  clusterResourceWhitelist:
    - {group: "*", kind: "*"}
EOF
  lab_time_end "argocd: install manifests, TLS secret, account, RBAC, project ($CLUSTER)"
}

# kubeconfig_for SA: a kubeconfig for the cluster that authenticates as ServiceAccount SA.
kubeconfig_for() {
  local sa=$1 f="$D/$1.kubeconfig" server
  server=$(k config view --raw -o jsonpath='{.clusters[0].cluster.server}')
  rm -f "$f"
  (
    umask 077
    lab_kubectl "$f" config set-cluster lab --server="$server" \
      --certificate-authority="$LAB_STATE/$CLUSTER/pki/ca.crt" --embed-certs=true >/dev/null
    lab_kubectl "$f" config set-credentials "$sa" \
      --token="$(k -n "$NS" create token "$sa" --duration=48h)" >/dev/null
    lab_kubectl "$f" config set-context lab --cluster=lab --user="$sa" --namespace="$NS" >/dev/null
    lab_kubectl "$f" config use-context lab >/dev/null
  )
}

git_url() { printf 'https://127.0.0.1:%s/git/cluster-fleet.git' "$SOURCES_PORT"; }
chart_url() { printf 'https://127.0.0.1:%s/charts' "$SOURCES_PORT"; }

# The git repository (a copy of cluster-config/ on main) and the chart repository.
init_sources() {
  local bare="$D/git/cluster-fleet.git" work
  if [[ ! -d "$bare" ]]; then
    git init -q --bare -b main "$bare"
    work=$(mktemp -d)
    git init -q -b main "$work"
    cp -r "$LAB_REPO_ROOT/cluster-config" "$work/cluster-config"
    git -C "$work" add -A
    git -C "$work" -c user.name=cluster-fleet-lab -c user.email=lab@cluster-fleet.invalid \
      commit -qm "cluster-config from $(git -C "$LAB_REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo checkout)"
    git -C "$work" push -q "$bare" main
    rm -rf "$work"
  fi
  if [[ ! -f "$D/charts/index.yaml" ]]; then
    mkdir -p "$D/charts"
    "$LAB_BIN/helm" package "$LAB_CHART_DIR" -d "$D/charts" >/dev/null
    "$LAB_BIN/helm" repo index "$D/charts" --url "$(chart_url)"
  fi
}

healthz() { curl -sf --max-time 2 "http://127.0.0.1:$1/healthz"; }
server_healthz() { curl -sf --max-time 2 --cacert "$PKI/ca.crt" "https://127.0.0.1:$SERVER_PORT/healthz?full=true"; }

# Environment of the Argo CD processes: what the pod spec and its volumes would provide.
argocd_env() {
  export REDIS_PASSWORD
  REDIS_PASSWORD=$(cat "$PKI/redis.password")
  export ARGOCD_APP_CONF_PATH="$D/app-config" ARGOCD_TLS_DATA_PATH="$D/tls" ARGOCD_SSH_DATA_PATH="$D/ssh" \
    ARGOCD_GNUPGHOME="$D/gnupg" ARGOCD_GPG_ENABLED=false ARGOCD_ASK_PASS_SOCK="$D/askpass.sock" \
    ARGOCD_REPO_SERVER_CLIENT_CA_PATH="$D/app-config/reposerver/mtls/client-ca.crt" \
    TMPDIR="$D/tmp" HOME="$D/home" PATH="$D/image-bin:$LAB_BIN:$PATH"
  mkdir -p "$D/tls" "$D/ssh" "$D/tmp" "$D/home" "$D/gnupg"
  touch "$D/ssh/ssh_known_hosts"
}

start_processes() {
  local common=(--redis "127.0.0.1:$REDIS_PORT" --logformat text)
  local repo=(--repo-server "127.0.0.1:$REPO_PORT" --repo-server-strict-tls)
  lab_start_daemon redis-lite "$D/redis.pid" "$D/redis.log" "$REDIS_BIN" \
    -addr "127.0.0.1:$REDIS_PORT" -password-file "$PKI/redis.password"
  lab_wait_until redis-lite 20 "$D/redis.pid" "$REDIS_BIN" "$D/redis.log" lab_listening "$REDIS_PORT"

  lab_start_daemon git-serve "$D/sources.pid" "$D/sources.log" "$NODE_BIN" \
    -r "$LAB_REPO_ROOT/node_modules/ts-node/register/transpile-only" "$LAB_SCRIPTS_DIR/git-serve.ts" \
    --address 127.0.0.1 --port "$SOURCES_PORT" --cert "$PKI/sources.crt" --key "$PKI/sources.key" \
    --git-root "$D/git" --charts-root "$D/charts"
  lab_wait_until git-serve 60 "$D/sources.pid" "$NODE_BIN" "$D/sources.log" \
    curl -sf --max-time 2 --cacert "$PKI/ca.crt" "$(chart_url)/index.yaml"

  lab_start_daemon argocd-repo-server "$D/repo-server.pid" "$D/repo-server.log" "$LAB_BIN/argocd-repo-server" \
    "${common[@]}" --address 127.0.0.1 --port "$REPO_PORT" \
    --metrics-address 127.0.0.1 --metrics-port "$REPO_METRICS_PORT"
  lab_wait_until argocd-repo-server 60 "$D/repo-server.pid" "$LAB_BIN/argocd-repo-server" \
    "$D/repo-server.log" healthz "$REPO_METRICS_PORT"

  kubeconfig_for argocd-application-controller
  lab_start_daemon argocd-application-controller "$D/controller.pid" "$D/controller.log" \
    "$LAB_BIN/argocd-application-controller" "${common[@]}" "${repo[@]}" \
    --kubeconfig "$D/argocd-application-controller.kubeconfig" --namespace "$NS" \
    --metrics-port "$CONTROLLER_METRICS_PORT"
  lab_wait_until argocd-application-controller 90 "$D/controller.pid" "$LAB_BIN/argocd-application-controller" \
    "$D/controller.log" healthz "$CONTROLLER_METRICS_PORT"

  kubeconfig_for argocd-server
  lab_start_daemon argocd-server "$D/server.pid" "$D/server.log" "$LAB_BIN/argocd-server" \
    "${common[@]}" "${repo[@]}" --kubeconfig "$D/argocd-server.kubeconfig" --namespace "$NS" \
    --address 127.0.0.1 --port "$SERVER_PORT" \
    --metrics-address 127.0.0.1 --metrics-port "$SERVER_METRICS_PORT" --staticassets "$D/static"
  lab_wait_until argocd-server 90 "$D/server.pid" "$LAB_BIN/argocd-server" "$D/server.log" server_healthz
}

# The argocd CLI against our server, authenticated by the token in ARGOCD_AUTH_TOKEN.
cli() {
  "$ARGOCD_BIN" --server "127.0.0.1:$SERVER_PORT" --server-crt "$PKI/ca.crt" \
    --config "$D/cli-config" "$@"
}

# An admin session (password from argocd-initial-admin-secret, sent on stdin, never argv).
admin_token() {
  local pw
  for _ in $(seq 1 50); do
    pw=$(k -n "$NS" get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' 2>/dev/null | base64 -d) &&
      [[ -n "$pw" ]] && break
    sleep 0.2
  done
  [[ -n "$pw" ]] || lab_die "argocd-server did not create argocd-initial-admin-secret"
  printf '{"username":"admin","password":"%s"}' "$pw" |
    curl -sf --max-time 10 --cacert "$PKI/ca.crt" -H 'Content-Type: application/json' --data @- \
      "https://127.0.0.1:$SERVER_PORT/api/v1/session" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

# The account token and the source server's CA, both through Argo CD's API (the CLI).
configure_through_api() {
  local admin
  admin=$(admin_token)
  [[ -n "$admin" ]] || lab_die "admin login to argocd-server failed; see $D/server.log"
  if [[ ! -s "$D/$ACCOUNT.token" ]]; then
    (umask 077 && ARGOCD_AUTH_TOKEN=$admin cli account generate-token --account "$ACCOUNT" \
      --id "lab-$(date +%s)" >"$D/$ACCOUNT.token")
    [[ -s "$D/$ACCOUNT.token" ]] || lab_die "argocd account generate-token --account $ACCOUNT gave no token"
  fi
  ARGOCD_AUTH_TOKEN=$admin cli cert add-tls 127.0.0.1 --upsert --from "$PKI/ca.crt" >/dev/null
  # The kubelet would project argocd-tls-certs-cm into the repo-server's ARGOCD_TLS_DATA_PATH.
  k -n "$NS" get configmap argocd-tls-certs-cm -o jsonpath='{.data.127\.0\.0\.1}' >"$D/tls/127.0.0.1"
  grep -q 'BEGIN CERTIFICATE' "$D/tls/127.0.0.1" || lab_die "argocd-tls-certs-cm has no entry for 127.0.0.1"
}

cmd_up() {
  lab_need openssl curl setsid git awk
  [[ -n "$NODE_BIN" ]] || lab_die "node is required"
  local b
  for b in argocd argocd-server argocd-repo-server argocd-application-controller helm kustomize redis-lite; do
    [[ -x "$LAB_BIN/$b" ]] || lab_die "$LAB_BIN/$b missing (built by scripts/lab/engine.sh)"
  done
  if [[ ! -f "$CLUSTER_KUBECONFIG" ]] || ! "$LAB_SCRIPTS_DIR/cluster.sh" status "$CLUSTER" 2>/dev/null; then
    lab_die "cluster '$CLUSTER' is not up (scripts/lab/cluster.sh up $CLUSTER)"
  fi
  mkdir -p "$D" "$D/static"
  lab_load_ports "$D/ports.env" SERVER_PORT SERVER_METRICS_PORT REPO_PORT REPO_METRICS_PORT \
    CONTROLLER_METRICS_PORT REDIS_PORT SOURCES_PORT
  ensure_pki
  lab_time_start
  init_sources
  lab_time_end "argocd: git and chart repositories ($CLUSTER)"
  apply_install
  argocd_env
  lab_time_start
  start_processes
  lab_time_end "argocd: processes up ($CLUSTER)"
  configure_through_api
  cmd_env
  lab_log "Argo CD for '$CLUSTER' is up: https://127.0.0.1:$SERVER_PORT (account $ACCOUNT, token $D/$ACCOUNT.token)"
}

cmd_down() {
  if [[ -d "$D" ]]; then
    lab_stop "$D/server.pid" "$LAB_BIN/argocd-server" "argocd-server ($CLUSTER)"
    lab_stop "$D/controller.pid" "$LAB_BIN/argocd-application-controller" "argocd-application-controller ($CLUSTER)"
    lab_stop "$D/repo-server.pid" "$LAB_BIN/argocd-repo-server" "argocd-repo-server ($CLUSTER)"
    [[ -n "$NODE_BIN" ]] && lab_stop "$D/sources.pid" "$NODE_BIN" "git-serve ($CLUSTER)"
    lab_stop "$D/redis.pid" "$REDIS_BIN" "redis-lite ($CLUSTER)"
  fi
  if [[ $PURGE == 1 ]]; then
    rm -rf "$D"
    lab_log "removed Argo CD state of '$CLUSTER' ($D)"
  fi
}

cmd_status() {
  [[ -f "$D/ports.env" ]] || lab_die "no Argo CD state for '$CLUSTER' in $D"
  # shellcheck source=/dev/null
  source "$D/ports.env"
  server_healthz >/dev/null || {
    lab_log "argocd-server https://127.0.0.1:$SERVER_PORT is not healthy"
    return 1
  }
  lab_log "argocd-server https://127.0.0.1:$SERVER_PORT is healthy"
}

cmd_env() {
  [[ -f "$D/ports.env" ]] || lab_die "Argo CD for '$CLUSTER' has never been started"
  # shellcheck source=/dev/null
  source "$D/ports.env"
  cat <<EOF
export LAB_ARGOCD_URL='https://127.0.0.1:$SERVER_PORT'
export LAB_ARGOCD_CA_FILE='$PKI/ca.crt'
export LAB_ARGOCD_TOKEN_FILE='$D/$ACCOUNT.token'
export LAB_ARGOCD_ACCOUNT='$ACCOUNT'
export LAB_ARGOCD_PROJECT='$PROJECT'
export LAB_ARGOCD_NAMESPACE='$NS'
export LAB_ARGOCD_GIT_URL='$(git_url)'
export LAB_ARGOCD_GIT_DIR='$D/git/cluster-fleet.git'
export LAB_ARGOCD_CHART_REPO_URL='$(chart_url)'
EOF
}

case "$ACTION" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) lab_bad_usage ;;
esac
