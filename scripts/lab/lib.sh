# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for scripts/lab/*.sh. Source it; do not run it.
#
# Everything built or started lives under LAB_HOME (default ~/.cache/cluster-fleet-lab);
# Go builds run in LAB_BUILD (default ~/build/cluster-fleet-lab), always outside the repo.

LAB_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_REPO_ROOT="$(cd "$LAB_SCRIPTS_DIR/../.." && pwd)"

: "${LAB_HOME:=${XDG_CACHE_HOME:-$HOME/.cache}/cluster-fleet-lab}"
: "${LAB_BUILD:=$HOME/build/cluster-fleet-lab}"
# Go builds use the module proxy only: no ",direct" fallback to VCS hosts (unreachable here anyway).
export GOPROXY="${LAB_GOPROXY:-https://proxy.golang.org}"
LAB_BIN="$LAB_HOME/bin"
LAB_PROVIDERS="$LAB_HOME/providers"
LAB_STATE="$LAB_HOME/state"
LAB_LOGS="$LAB_HOME/logs"
LAB_PULUMI_HOME="$LAB_HOME/pulumi-home"
: "${LAB_CRDS_DIR:=$LAB_REPO_ROOT/../shared/crds}"

# Versions. The proxy does not serve every upstream version; see scripts/lab/README.md.
LAB_PULUMI_VERSION=3.248.0
# pulumi-kubernetes: the proxy serves exactly one provider/v4 version, a master pseudo-version
# from 2026-01-15 (between 4.24.0 and 4.25.0). It is built from that and installed under the
# version @pulumi/kubernetes asks for.
LAB_K8S_PROVIDER_VERSION=4.34.2
LAB_K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
LAB_K8S_PROVIDER_MODVER=v4.0.0-20260115033456-f47bc2d6f199
LAB_K8S_PROVIDER_SDKVER=v4.24.0
LAB_COMMAND_VERSION=1.2.1
LAB_COMMAND_MODULE=github.com/pulumi/pulumi-command/provider
LAB_COMMAND_MODVER=v0.0.0-20260303235922-7f3eb6f3b77c
LAB_KUBE_VERSION=v1.34.4
LAB_ETCD_VERSION=v3.6.16
# vcsim: from v0.47.0 on it is a nested module (github.com/vmware/govmomi/vcsim) that the proxy does
# not serve; v0.46.3 is the newest release whose main module still contains it.
LAB_VCSIM_VERSION=v0.46.3
# Pieces added by build.sh (issue 8). Argo CD v3.5.x matches ../shared/argocd (swagger, CRDs).
LAB_ARGOCD_MODULE=github.com/argoproj/argo-cd/v3
LAB_ARGOCD_VERSION=v3.5.7
# v3.5.7 maps gitops-engine to ./gitops-engine, which its module zip leaves out. The pseudo-version
# its go.mod names (v0.7.1-0.20250908182407-97ad5b59a627) is refused by the proxy (403); this master
# snapshot is the only one served, so ./gitops-engine is filled from it.
LAB_ARGOCD_GITOPS_ENGINE_MODULE=github.com/argoproj/argo-cd/gitops-engine
LAB_ARGOCD_GITOPS_ENGINE_MODVER=v0.0.0-20260914071520-c9c369efcc5b
LAB_HELM_VERSION=v3.22.0
LAB_KUSTOMIZE_VERSION=v5.8.2
LAB_MINIREDIS_VERSION=v2.40.0
LAB_KWOK_VERSION=v0.8.0
LAB_VERSITYGW_VERSION=v1.8.0
LAB_CAPI_MODULE=sigs.k8s.io/cluster-api
LAB_CAPI_VERSION=v1.14.2
LAB_CAPV_MODULE=sigs.k8s.io/cluster-api-provider-vsphere
LAB_CAPV_VERSION=v1.16.1
LAB_CAPI_IPAM_MODULE=sigs.k8s.io/cluster-api-ipam-provider-in-cluster
LAB_CAPI_IPAM_VERSION=v1.1.0
# Modules whose own trees (config/ CRDs, RBAC, webhooks; Argo CD's manifests/) lab scripts read at
# run time through lab_module_dir; build.sh downloads them.
LAB_RUNTIME_MODULES=(
  "$LAB_CAPI_MODULE@$LAB_CAPI_VERSION"
  "$LAB_CAPV_MODULE@$LAB_CAPV_VERSION"
  "$LAB_CAPI_IPAM_MODULE@$LAB_CAPI_IPAM_VERSION"
  "$LAB_ARGOCD_MODULE@$LAB_ARGOCD_VERSION"
)

lab_log() { printf '[lab] %s\n' "$*" >&2; }
lab_die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }

lab_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || lab_die "'$c' is required but not on PATH"
  done
}

# --- Command lines --------------------------------------------------------------------------------

# lab_usage: the running script's usage, i.e. its header comment (line 2 up to the first line that
# is not a comment) without the leading "# ".
lab_usage() { awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"; }
# lab_bad_usage: the usage on stderr, exit 2 (a command line the script cannot take).
lab_bad_usage() {
  lab_usage >&2
  exit 2
}

# lab_check_name WHAT NAME: NAME (a state dir's name) must match [a-z][a-z0-9-]*.
lab_check_name() {
  [[ "$2" =~ ^[a-z][a-z0-9-]*$ ]] || lab_die "$1 name must match [a-z][a-z0-9-]*: '$2'"
}

# lab_parse_action [--flags=FN] ARG...: a lab CLI's "ACTION NAME [--purge] [FLAG...]". Sets ACTION,
# NAME (a cluster name) and PURGE (0/1). Any other argument goes to FN (the script's own flags),
# which returns non-zero for one it does not take; without FN there are none. Fewer than two
# arguments: the usage, exit 2.
lab_parse_action() {
  local flags=false a
  if [[ "${1:-}" == --flags=* ]]; then
    flags=${1#--flags=}
    shift
  fi
  [[ $# -ge 2 ]] || lab_bad_usage
  ACTION=$1
  NAME=$2
  shift 2
  PURGE=0
  for a in "$@"; do
    if [[ "$a" == --purge ]]; then
      PURGE=1
    elif ! "$flags" "$a"; then
      lab_die "unknown argument '$a'"
    fi
  done
  lab_check_name cluster "$NAME"
}

# lab_component_args FLAG ALL ARG...: a build script's "[FLAG] [component...]" (-h/--help: the
# usage, exit 0). Sets the variable named after FLAG (--download: DOWNLOAD) to 0/1 and COMPONENTS
# to the components named, or to all of ALL (space-separated) if none is.
lab_component_args() {
  local flag=$1 var=${1#--} all a c known
  var=${var^^}
  var=${var//-/_}
  read -r -a all <<<"$2"
  shift 2
  printf -v "$var" 0
  COMPONENTS=()
  for a in "$@"; do
    case "$a" in
      "$flag") printf -v "$var" 1 ;;
      -h | --help)
        lab_usage
        exit 0
        ;;
      *)
        known=0
        for c in "${all[@]}"; do [[ "$a" != "$c" ]] || known=1; done
        [[ $known == 1 ]] || lab_die "unknown argument '$a' (see --help)"
        COMPONENTS+=("$a")
        ;;
    esac
  done
  [[ ${#COMPONENTS[@]} -gt 0 ]] || COMPONENTS=("${all[@]}")
}

# lab_each_component DOWNLOAD_FN BUILD_FN: for each of COMPONENTS, DOWNLOAD_FN COMPONENT (fetch its
# Go modules) if DOWNLOAD is 1, else BUILD_FN COMPONENT.
lab_each_component() {
  local c
  for c in "${COMPONENTS[@]}"; do
    if [[ $DOWNLOAD == 1 ]]; then
      "$1" "$c" || lab_die "downloading the modules of $c failed"
      lab_log "$c: modules downloaded"
    else
      "$2" "$c"
    fi
  done
}

# Refuse to build inside the repository (nothing built is committed).
lab_check_build_dir() {
  mkdir -p "$LAB_BUILD"
  local b r
  b="$(cd "$LAB_BUILD" && pwd -P)"
  r="$(cd "$LAB_REPO_ROOT" && pwd -P)"
  case "$b/" in
    "$r"/*) lab_die "LAB_BUILD ($b) is inside the repo ($r); choose a directory outside it" ;;
  esac
}

# lab_find NAME: print the path of NAME in LAB_BIN, else on PATH; fail quietly if absent.
lab_find() {
  if [[ -x "$LAB_BIN/$1" ]]; then
    printf '%s\n' "$LAB_BIN/$1"
  else
    command -v "$1" 2>/dev/null
  fi
}

# lab_kubectl KUBECONFIG ARG...: kubectl (LAB_BIN's, else the one on PATH) against KUBECONFIG.
lab_kubectl() { "$(lab_find kubectl || lab_die "kubectl not found")" --kubeconfig="$1" "${@:2}"; }

# lab_time_start; ...; lab_time_end LABEL -> logs the elapsed time and appends it to logs/timings.log,
# with the load averages (1, 5, 15 min) at the end, since build times depend on them.
lab_time_start() { LAB_T0=$(date +%s%N); }

# lab_mocha LABEL TIMEOUT_MS SPEC [MOCHA_ARG...]: runs an e2e spec from the repo root under mocha
# (ts-node, no .mocharc, mocha's timeout as a backstop), timed into timings.log as "LABEL: SPEC".
lab_mocha() {
  local label=$1 timeout=$2 spec=$3
  shift 3
  lab_time_start
  (cd "$LAB_REPO_ROOT" && node_modules/.bin/mocha --no-config -r ts-node/register/transpile-only \
    --timeout "$timeout" "$@" "$spec")
  lab_time_end "$label: $spec"
}
lab_time_end() {
  local ms=$((($(date +%s%N) - LAB_T0) / 1000000)) dt load
  dt=$(printf '%d.%01d' $((ms / 1000)) $((ms % 1000 / 100)))
  load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
  mkdir -p "$LAB_LOGS"
  printf '%s\t%s\t%ss\tload %s\n' "$(date -u +%FT%TZ)" "$1" "$dt" "$load" >>"$LAB_LOGS/timings.log"
  lab_log "$1 took ${dt}s (load $load)"
}

# lab_port_free PORT [HOST]: true if nothing listens on HOST:PORT (default 127.0.0.1; loopback only).
lab_port_free() {
  ! (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# lab_listening PORT [HOST]: true if something listens on HOST:PORT (default 127.0.0.1).
lab_listening() { ! lab_port_free "$@"; }

# lab_pick_port: print a random free loopback port in 20000-32767, below Linux's ephemeral range
# (32768-60999), so an outgoing connection cannot take it between the pick and the bind.
lab_pick_port() {
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + (RANDOM * 32768 + RANDOM + i) % 12768))
    if lab_port_free "$p"; then
      printf '%s\n' "$p"
      return 0
    fi
  done
  lab_die "could not find a free loopback port"
}

# lab_wait_crds KUBECTL KUBECONFIG SECONDS SELECTOR...: wait until the CRDs SELECTOR names (e.g.
# --all, -l key=value) are Established. kubectl wait fails at once ("accessor error") on a CRD the
# API server has not given conditions yet, right after the apply: retry until the deadline.
lab_wait_crds() {
  local k=$1 kc=$2 secs=$3 deadline
  shift 3
  deadline=$((SECONDS + secs))
  until "$k" --kubeconfig="$kc" wait --for=condition=Established --timeout="${secs}s" crd "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# lab_pid_alive PIDFILE EXE: true if PIDFILE names a live process whose executable is EXE.
lab_pid_alive() {
  local pidfile=$1 exe=$2 pid
  [[ -f "$pidfile" ]] || return 1
  pid=$(cat "$pidfile")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" == "$(readlink -f "$exe")" ]]
}

# lab_stop PIDFILE EXE NAME: SIGTERM the process (only if it is EXE), wait, then SIGKILL.
lab_stop() {
  local pidfile=$1 exe=$2 name=$3 pid i
  if ! lab_pid_alive "$pidfile" "$exe"; then
    rm -f "$pidfile"
    return 0
  fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    lab_log "$name (pid $pid) did not stop after 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  lab_log "stopped $name (pid $pid)"
}

# --- Go modules -----------------------------------------------------------------------------------

# lab_module_field MODULE VERSION FIELD: download MODULE@VERSION (module proxy only) and print one
# field (Dir, GoMod, Zip, ...) of `go mod download -json`. Runs outside any module: no go.mod changes.
lab_module_field() {
  local out
  if ! out=$(cd / && go mod download -json "$1@$2" 2>&1); then
    lab_log "go mod download $1@$2 failed: $(sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' <<<"$out" | head -1)"
    return 1
  fi
  sed -n "s/^[[:space:]]*\"$3\": \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" <<<"$out"
}

# lab_module_dir MODULE VERSION: print the module's source directory in the module cache (read-only),
# e.g. to read CRDs, RBAC and webhook configs from its config/ tree:
#   lab_module_dir "$LAB_CAPI_MODULE" "$LAB_CAPI_VERSION"
lab_module_dir() {
  local dir
  dir=$(lab_module_field "$1" "$2" Dir) || return 1
  [[ -n "$dir" && -d "$dir" ]] || {
    lab_log "go mod download $1@$2 gave no source directory"
    return 1
  }
  printf '%s\n' "$dir"
}

# lab_copy_module MODULE VERSION DEST: a writable copy of the module's source in DEST (replaced).
lab_copy_module() {
  local dir
  dir=$(lab_module_dir "$1" "$2") || return 1
  rm -rf "$3"
  cp -r "$dir" "$3"
  chmod -R u+w "$3"
}

# lab_go_replaces GOMOD: the go.mod's replaces that point at module versions (not at local
# directories), one `go mod edit -replace` argument per line.
lab_go_replaces() {
  # shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
  go mod edit -json "$1" | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of j.Replace || []) {
      if (!r.New.Version) continue;
      const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
      console.log(`${old}=${r.New.Path}@${r.New.Version}`);
    }'
}

# lab_go_wrapper DIR MODULE VERSION: make DIR a fresh wrapper module (local/<name>) with MODULE's Go
# language version (so the same GODEBUG defaults) and MODULE's non-local replaces, and cd into it.
# MODULE's local replaces (=> ./dir) are not in its zip: the caller replaces them with served
# modules, then runs `go get PKG@VERSION...` and builds the packages as MODULE itself would.
lab_go_wrapper() {
  local dir=$1 gomod r
  gomod=$(lab_module_field "$2" "$3" GoMod) && [[ -f "$gomod" ]] || return 1
  mkdir -p "$dir" && cd "$dir" || return 1
  rm -f go.mod go.sum
  go mod init "local/$(basename "$dir")"
  go mod edit -go="$(go mod edit -json "$gomod" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).Go')"
  while read -r r; do
    [[ -z "$r" ]] || go mod edit -replace "$r"
  done < <(lab_go_replaces "$gomod")
}

# lab_version_ldflags PKG VERSION: -X flags for a k8s-style version package (gitVersion, gitMajor, ...).
lab_version_ldflags() {
  local v=${2#v}
  printf -- '-X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean' \
    "$1" "$2" "$1" "${v%%.*}" "$1" "$(cut -d. -f2 <<<"$v")" "$1"
}

# lab_build_start NAME: common set-up of a build; prints the log file to use.
lab_build_start() {
  lab_need go node
  lab_check_build_dir
  mkdir -p "$LAB_BIN" "$LAB_LOGS"
  printf '%s\n' "$LAB_LOGS/build-$1.log"
}

# lab_run_logged LOG CMD...: run CMD (e.g. a function of build steps) in a subshell with errexit in
# force (an `if`/`||` around it would switch errexit off), output appended to LOG; returns its status.
lab_run_logged() {
  local log=$1 rc e=$-
  shift
  set +e
  (
    set -e
    "$@"
  ) >>"$log" 2>&1
  rc=$?
  [[ $e != *e* ]] || set -e
  return $rc
}

# lab_build_failed NAME LOG: die, showing the end of the build log (and any module the proxy refused).
lab_build_failed() {
  printf '[lab] --- last lines of %s ---\n' "$2" >&2
  tail -n 15 "$2" | sed 's/^/[lab]   /' >&2
  if grep -q '403 Forbidden' "$2"; then
    lab_log "modules refused by the Go module proxy:"
    grep -o 'reading https://[^ ]*: 403' "$2" | sort -u | sed 's#^reading https://[^/]*/#[lab]   #; s#: 403$##' >&2
  fi
  lab_die "$1 build failed; see $2"
}

# lab_go_install NAME PKG VERSION [LDFLAGS]: unless LAB_BIN/NAME already is PKG at VERSION, build it
# with `go install PKG@VERSION` (the module's own go.mod) and install it as LAB_BIN/NAME. Works only
# for modules without replaces whose version list the proxy serves (go install reads it for
# deprecations); otherwise build in a wrapper module (lab_go_wrapper).
lab_go_install() {
  local name=$1 pkg=$2 ver=$3 log tmp why
  if why=$(lab_piece_check "$name"); then
    lab_log "$name: $LAB_BIN/$name ($pkg@$ver)"
    return 0
  fi
  log=$(lab_build_start "$name")
  lab_log "building $name from $pkg@$ver ($why; log: $log)"
  tmp=$(mktemp -d "$LAB_BUILD/gobin.XXXXXX")
  lab_time_start
  if ! (cd "$LAB_BUILD" && CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath -ldflags "-s -w ${4:-}" "$pkg@$ver") >>"$log" 2>&1; then
    rm -rf "$tmp"
    lab_build_failed "$name" "$log"
  fi
  mv -f "$tmp"/* "$LAB_BIN/$name"
  rm -rf "$tmp"
  lab_time_end "build $name $ver"
  lab_piece_ok_or_die "$name"
}

# lab_go_download_pkgs MODULE VERSION PKG...: fetch every module these packages of MODULE need and
# compile nothing (`build.sh --download`). Uses MODULE's own go.mod in the module cache (read-only).
lab_go_download_pkgs() {
  local dir
  dir=$(lab_module_dir "$1" "$2") || return 1
  (cd "$dir" && go list -deps "${@:3}" >/dev/null)
}

# --- The lab's pieces -----------------------------------------------------------------------------
# The one list of what the lab has, which build.sh component builds each piece and how its presence
# and version are checked. e2e flows name the pieces they need (lab_require_pieces).
LAB_PIECES=(
  pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs plugin-kubernetes plugin-command
  etcd kube-apiserver kube-controller-manager kubectl kube-scheduler
  vcsim versitygw
  argocd argocd-server argocd-application-controller argocd-repo-server argocd-applicationset-controller
  argocd-cmp-server argocd-commit-server argocd-notifications
  helm kustomize redis-lite kwok
  capi-manager capi-kubeadm-bootstrap-manager capi-kubeadm-control-plane-manager capi-ipam-manager capv-manager
)
# The Argo CD multi-call binary answers to these names (the process name picks the component).
LAB_ARGOCD_NAMES=(argocd-server argocd-application-controller argocd-repo-server argocd-applicationset-controller
  argocd-cmp-server argocd-commit-server argocd-notifications argocd-dex argocd-git-ask-pass argocd-k8s-auth)
# What scripts/lab/e2e-lab.sh (test/e2e/lab.e2e.ts) needs; the other flows add theirs.
LAB_E2E_PIECES=(pulumi pulumi-language-nodejs pulumi-resource-pulumi-nodejs plugin-kubernetes plugin-command
  etcd kube-apiserver kube-controller-manager kubectl)

# lab_piece_component NAME: the scripts/lab/build.sh argument that builds NAME.
lab_piece_component() {
  case "$1" in
    pulumi | pulumi-language-nodejs | pulumi-resource-pulumi-nodejs | plugin-*) echo engine ;;
    etcd | kube-* | kubectl) echo k8s ;;
    argocd | argocd-*) echo argocd ;;
    capi-manager | capi-kubeadm-*) echo capi ;;
    capi-ipam-manager) echo capi-ipam ;;
    capv-manager) echo capv ;;
    *) echo "$1" ;;
  esac
}

# lab_piece_path NAME: where the piece is (resolved).
lab_piece_path() {
  case "$1" in
    plugin-kubernetes) echo "$LAB_PULUMI_HOME/plugins/resource-kubernetes-v$LAB_K8S_PROVIDER_VERSION" ;;
    plugin-command) echo "$LAB_PULUMI_HOME/plugins/resource-command-v$LAB_COMMAND_VERSION" ;;
    *) readlink -f "$LAB_BIN/$1" ;;
  esac
}

# lab_piece_check NAME: true if the piece is in LAB_HOME with the right version; else prints why not.
lab_piece_check() {
  local n=$1
  case "$n" in
    pulumi) _lab_exe "$n" && PULUMI_SKIP_UPDATE_CHECK=true _lab_reports "$n" "v$LAB_PULUMI_VERSION" version ;;
    pulumi-language-nodejs | pulumi-resource-pulumi-nodejs) _lab_exe "$n" ;;
    plugin-*) _lab_plugin "$n" ;;
    etcd) _lab_exe "$n" && _lab_reports "$n" "etcd Version: ${LAB_ETCD_VERSION#v}" --version ;;
    kube-apiserver | kube-controller-manager | kube-scheduler)
      _lab_exe "$n" && _lab_reports "$n" "Kubernetes $LAB_KUBE_VERSION" --version
      ;;
    kubectl) _lab_exe "$n" && _lab_reports "$n" "Client Version: $LAB_KUBE_VERSION" version --client ;;
    vcsim) _lab_gobin "$n" github.com/vmware/govmomi/vcsim github.com/vmware/govmomi "$LAB_VCSIM_VERSION" ;;
    versitygw) _lab_gobin "$n" github.com/versity/versitygw/cmd/versitygw github.com/versity/versitygw "$LAB_VERSITYGW_VERSION" ;;
    argocd) _lab_exe "$n" && _lab_reports "$n" "argocd: $LAB_ARGOCD_VERSION+" version --client --short ;;
    argocd-*) _lab_exe "$n" && _lab_same_file "$n" argocd && lab_piece_check argocd >/dev/null ;;
    helm) _lab_gobin "$n" helm.sh/helm/v3/cmd/helm helm.sh/helm/v3 "$LAB_HELM_VERSION" ;;
    kustomize)
      _lab_gobin "$n" sigs.k8s.io/kustomize/kustomize/v5 sigs.k8s.io/kustomize/kustomize/v5 "$LAB_KUSTOMIZE_VERSION"
      ;;
    redis-lite) _lab_exe "$n" && _lab_reports "$n" "redis-lite $(lab_redis_lite_hash) miniredis $LAB_MINIREDIS_VERSION" --version ;;
    kwok) _lab_gobin "$n" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok "$LAB_KWOK_VERSION" ;;
    capi-manager) _lab_gobin "$n" "$LAB_CAPI_MODULE/core" "$LAB_CAPI_MODULE" "$LAB_CAPI_VERSION" ;;
    capi-kubeadm-bootstrap-manager)
      _lab_gobin "$n" "$LAB_CAPI_MODULE/bootstrap/kubeadm" "$LAB_CAPI_MODULE" "$LAB_CAPI_VERSION"
      ;;
    capi-kubeadm-control-plane-manager)
      _lab_gobin "$n" "$LAB_CAPI_MODULE/controlplane/kubeadm" "$LAB_CAPI_MODULE" "$LAB_CAPI_VERSION"
      ;;
    capi-ipam-manager) _lab_gobin "$n" "$LAB_CAPI_IPAM_MODULE" "$LAB_CAPI_IPAM_MODULE" "$LAB_CAPI_IPAM_VERSION" ;;
    capv-manager) _lab_gobin "$n" "$LAB_CAPV_MODULE" "$LAB_CAPV_MODULE" "$LAB_CAPV_VERSION" ;;
    *)
      echo "unknown lab piece '$n' (known: ${LAB_PIECES[*]})"
      return 2
      ;;
  esac
}

# lab_piece_ok_or_die NAME: after a build, the piece must pass its own check.
lab_piece_ok_or_die() {
  local why
  why=$(lab_piece_check "$1") || lab_die "$1 was built but does not pass its check: $why"
}

# lab_require_pieces NAME...: print one line per missing piece (why, and the build command); false
# if any is missing.
lab_require_pieces() {
  local n why rc=0
  for n in "$@"; do
    if ! why=$(lab_piece_check "$n"); then
      printf '  %-36s %s  (scripts/lab/build.sh %s)\n' "$n" "$why" "$(lab_piece_component "$n")"
      rc=1
    fi
  done
  return $rc
}

# lab_e2e_require FLOW PIECE...: an e2e flow's gate. Returns if every piece is present. Otherwise the
# flow FAILS (exit 1, naming the pieces and scripts/lab/build.sh), or with LAB_E2E_SKIP_IF_MISSING=1
# prints "FLOW: SKIPPED ... nothing was tested" and exits LAB_E2E_SKIP_EXIT: 0 when run alone, 77
# under scripts/lab/e2e.sh, whose summary must tell a skip from a pass.
lab_e2e_require() {
  local flow=$1 missing
  shift
  missing=$(lab_require_pieces "$@") && return 0
  if [[ "${LAB_E2E_SKIP_IF_MISSING:-0}" == 1 ]]; then
    printf '%s: SKIPPED (LAB_E2E_SKIP_IF_MISSING=1): the lab is not built in %s; nothing was tested. Missing:\n%s\n' \
      "$flow" "$LAB_HOME" "$missing"
    exit "${LAB_E2E_SKIP_EXIT:-0}"
  fi
  {
    printf '%s: FAILED: the lab is not built in %s. Missing pieces:\n%s\n' "$flow" "$LAB_HOME" "$missing"
    echo "Build it with:   scripts/lab/build.sh        (once; cold ~2.5 h on 2 busy cores, warm runs take seconds)"
    echo "or skip the e2e explicitly with LAB_E2E_SKIP_IF_MISSING=1."
  } >&2
  exit 1
}

# lab_clusters_down NAME...: stops and wipes a flow's private clusters (cluster.sh down --purge),
# in the order given, quietly and best effort: for a flow's cleanup trap and its fresh start.
lab_clusters_down() {
  local c
  for c in "$@"; do "$LAB_SCRIPTS_DIR/cluster.sh" down "$c" --purge >/dev/null 2>&1 || true; done
}

# lab_redis_lite_hash: identifies the source of scripts/lab/redis-lite (the build stamps it in).
lab_redis_lite_hash() {
  cat "$LAB_SCRIPTS_DIR"/redis-lite/go.mod "$LAB_SCRIPTS_DIR"/redis-lite/go.sum \
    "$LAB_SCRIPTS_DIR"/redis-lite/main.go 2>/dev/null | sha256sum | cut -c1-16
}

_lab_exe() {
  local f="$LAB_BIN/$1"
  if [[ -L "$f" && ! -e "$f" ]]; then
    echo "DANGLING SYMLINK $f -> $(readlink "$f")"
    return 1
  fi
  [[ -e "$f" ]] || {
    echo "not built ($f missing)"
    return 1
  }
  [[ -f "$f" && -x "$f" ]] || {
    echo "$f is not an executable file"
    return 1
  }
}

# _lab_reports NAME WANT ARGS...: LAB_BIN/NAME ARGS... must print WANT.
_lab_reports() {
  local out
  out=$(timeout 30 "$LAB_BIN/$1" "${@:3}" 2>&1 </dev/null) || true
  [[ "$out" == *"$2"* ]] && return 0
  echo "$LAB_BIN/$1 ${*:3} says '$(head -1 <<<"$out")', want '$2'"
  return 1
}

# _lab_gobin NAME PKG MODULE VERSION: LAB_BIN/NAME's Go build info must show main package PKG and
# MODULE at VERSION (as the main module or a dependency of a wrapper module).
_lab_gobin() {
  local info path ver
  _lab_exe "$1" || return 1
  command -v go >/dev/null 2>&1 || {
    echo "cannot check $LAB_BIN/$1: go is not on PATH"
    return 1
  }
  info=$(go version -m "$LAB_BIN/$1" 2>&1) || {
    echo "$LAB_BIN/$1 has no Go build info"
    return 1
  }
  path=$(awk '$1 == "path" { print $2 }' <<<"$info")
  ver=$(awk -v m="$3" '($1 == "mod" || $1 == "dep") && $2 == m { print $3 }' <<<"$info")
  [[ "$path" == "$2" && "$ver" == "$4" ]] && return 0
  echo "$LAB_BIN/$1 is $path with $3 ${ver:-(none)}, want $2 with $3 $4"
  return 1
}

_lab_same_file() {
  [[ "$(readlink -f "$LAB_BIN/$1")" == "$(readlink -f "$LAB_BIN/$2")" ]] && return 0
  echo "$LAB_BIN/$1 is not the $2 binary (it resolves to $(readlink -f "$LAB_BIN/$1"))"
  return 1
}

_lab_plugin() {
  local d
  d=$(lab_piece_path "$1")
  [[ -d "$d" && ! -e "$d.partial" && -x "$d/pulumi-resource-${1#plugin-}" ]] && return 0
  echo "plugin not installed ($d)"
  return 1
}

# lab_issue_cert CA_DIR OUT CN EKU [SAN]: unless OUT.crt exists and was issued by CA_DIR/ca.crt,
# issue OUT.key + OUT.crt (RSA 2048, 10 years) from CA_DIR/ca.{crt,key}; EKU is serverAuth or
# clientAuth, SAN e.g. "IP:127.0.0.1". The key is only readable by its owner.
lab_issue_cert() {
  local ca=$1 out=$2 cn=$3 eku=$4 san=${5:-} ext
  if [[ -f "$out.crt" && -f "$out.key" ]] &&
    openssl verify -CAfile "$ca/ca.crt" "$out.crt" >/dev/null 2>&1; then
    return 0
  fi
  ext=$(mktemp)
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=$eku" ${san:+"subjectAltName=$san"} >"$ext"
  (umask 077 && openssl req -newkey rsa:2048 -nodes -keyout "$out.key" -out "$out.csr" \
    -subj "/CN=$cn" 2>/dev/null) &&
    openssl x509 -req -in "$out.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial \
      -days 3650 -extfile "$ext" -out "$out.crt" 2>/dev/null
  local rc=$?
  rm -f "$ext" "$out.csr"
  [[ $rc == 0 ]] || lab_die "issuing $out.crt from $ca/ca.crt failed"
}

# lab_sha1_thumbprint CERT: the SHA-1 fingerprint as vSphere clients pin it (AA:BB:...).
lab_sha1_thumbprint() {
  openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/^.*=//'
}

# lab_new_ca DIR CN: a private CA in DIR/ca.{crt,key}, unless there is one.
lab_new_ca() {
  [[ -f "$1/ca.crt" && -f "$1/ca.key" ]] && return 0
  mkdir -p "$1"
  (umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" -out "$1/ca.crt" \
    -days 3650 -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null) ||
    lab_die "creating a CA in $1 failed"
}

# lab_started PIDFILE EXE: after `setsid EXE ... &` + `echo $! >PIDFILE`, wait (up to 5 s) until
# that process has exec'd EXE. Before that, /proc/PID/exe is still bash or setsid, and
# lab_pid_alive would report a process that is only starting as gone (seen under load).
lab_started() {
  local pid i
  pid=$(cat "$1")
  for ((i = 0; i < 50; i++)); do
    [[ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" == "$(readlink -f "$2")" ]] && return 0
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
}

# lab_start_daemon NAME PIDFILE LOG BIN ARG...: unless PIDFILE names a live BIN, start BIN ARG... in
# a session of its own, detached from this shell (env from the caller), output appended to LOG.
lab_start_daemon() {
  local name=$1 pidfile=$2 log=$3 bin=$4
  shift 4
  if lab_pid_alive "$pidfile" "$bin"; then
    return 0
  fi
  setsid "$bin" "$@" >>"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  lab_started "$pidfile" "$bin"
  lab_log "started $name (pid $!, log $log)"
}

# lab_wait_until WHAT TIMEOUT PIDFILE BIN LOG CMD...: poll CMD (output dropped) until it succeeds;
# die, showing the end of LOG, if the process (PIDFILE, BIN) exits or TIMEOUT seconds pass.
lab_wait_until() {
  local what=$1 timeout=$2 pidfile=$3 bin=$4 log=$5 i
  shift 5
  for ((i = 0; i < timeout * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    lab_pid_alive "$pidfile" "$bin" || {
      tail -n 30 "$log" >&2 || true
      lab_die "$what exited during startup; see $log"
    }
    sleep 0.2
  done
  tail -n 30 "$log" >&2 || true
  lab_die "$what not ready after ${timeout}s; see $log"
}

# lab_load_ports FILE VAR...: each VAR (a port) from FILE (KEY=VALUE lines) if there, else a free
# one (lab_pick_port); FILE is rewritten with all of them, so the ports stay across restarts.
lab_load_ports() {
  local file=$1 var
  shift
  # shellcheck source=/dev/null
  [[ -f "$file" ]] && source "$file"
  for var in "$@"; do
    [[ -n "${!var:-}" ]] || printf -v "$var" '%s' "$(lab_pick_port)"
    printf '%s=%s\n' "$var" "${!var}"
  done >"$file.new"
  mv "$file.new" "$file"
}
