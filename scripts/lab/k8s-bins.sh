#!/usr/bin/env bash
# Ensure etcd, kube-apiserver, kube-controller-manager, kube-scheduler (and kubectl) for the lab are in
# LAB_HOME/bin.
# Uses binaries already present (LAB_HOME/bin or PATH) when their versions match; otherwise builds
# them from Go modules in LAB_BUILD (outside the repo):
#   etcd           go.etcd.io/etcd/server/v3 @ LAB_ETCD_VERSION          (~3-5 min cold)
#   kube-apiserver, kube-controller-manager
#                  k8s.io/kubernetes @ LAB_KUBE_VERSION, with gitVersion ldflags (~7-25 min cold)
#   kube-scheduler same wrapper, so it reuses the compiled packages (~2-4 min once the above is built)
#   kubectl        same wrapper (~2 min once the above is built); LAB_KUBECTL=0 skips it
# Usage: scripts/lab/k8s-bins.sh
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$LAB_BIN" "$LAB_LOGS"

have_version() { # name expected-substring -> links a matching binary into LAB_BIN
  local p out
  p=$(lab_find "$1") || return 1
  out=$("$p" --version 2>/dev/null) || return 1
  [[ "$out" == *"$2"* ]] || return 1
  [[ "$p" == "$LAB_BIN/$1" ]] || ln -sfn "$p" "$LAB_BIN/$1"
  lab_log "$1: $p ($2)"
}

build_etcd() {
  lab_need go
  lab_check_build_dir
  local d="$LAB_BUILD/etcd" log="$LAB_LOGS/build-etcd.log"
  lab_log "building etcd $LAB_ETCD_VERSION from Go modules in $d (log: $log)"
  lab_time_start
  mkdir -p "$d"
  (
    cd "$d"
    [[ -f go.mod ]] || go mod init local/etcd
    # server/go.mod's replaces are all local (../api etc.); at a release tag the required
    # versions are the matching tags, so the module graph needs no replaces.
    go get "go.etcd.io/etcd/server/v3@$LAB_ETCD_VERSION"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$LAB_BIN/etcd" go.etcd.io/etcd/server/v3
  ) >>"$log" 2>&1 || lab_die "etcd build failed; see $log"
  lab_time_end "build etcd $LAB_ETCD_VERSION"
}

# kube_wrapper: (in a subshell, cwd = wrapper dir) create the wrapper module for k8s.io/kubernetes.
kube_wrapper() {
  local k="$LAB_KUBE_VERSION" s gomod
  s="v0.${k#v1.}"
  mkdir -p "$LAB_BUILD/kubernetes"
  cd "$LAB_BUILD/kubernetes"
  if [[ ! -f go.mod ]]; then
    go mod init local/kubernetes
    # Match upstream's language version and GODEBUG defaults.
    go mod edit -go=1.24.0 -godebug=default=go1.24
    # k8s.io/kubernetes maps every staging module to ./staging/src/...; use the published ones.
    gomod=$(lab_module_field k8s.io/kubernetes "$k" GoMod)
    [[ -n "$gomod" ]] || {
      echo "cannot download k8s.io/kubernetes@$k"
      exit 1
    }
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod" |
      while read -r m; do go mod edit -replace "$m=$m@$s"; done
  fi
}

kube_ldflags() {
  # kubectl reports k8s.io/client-go/pkg/version, the servers k8s.io/component-base/version.
  printf -- '-s -w %s %s' "$(lab_version_ldflags k8s.io/component-base/version "$LAB_KUBE_VERSION")" \
    "$(lab_version_ldflags k8s.io/client-go/pkg/version "$LAB_KUBE_VERSION")"
}

# build_kube CMD...: build k8s.io/kubernetes/cmd/CMD for each CMD into LAB_BIN.
build_kube() {
  lab_need go
  lab_check_build_dir
  local log="$LAB_LOGS/build-kubernetes-bins.log" c pkgs=()
  for c in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$c@$LAB_KUBE_VERSION"); done
  lab_log "building $* $LAB_KUBE_VERSION from Go modules in $LAB_BUILD/kubernetes (log: $log)"
  lab_time_start
  (
    kube_wrapper
    go get "${pkgs[@]}"
    CGO_ENABLED=0 go build -trimpath -ldflags "$(kube_ldflags)" -o "$LAB_BIN/" "${pkgs[@]%@*}"
  ) >>"$log" 2>&1 || lab_die "kubernetes build failed; see $log"
  lab_time_end "build $* $LAB_KUBE_VERSION"
}

have_kubectl() {
  local out
  [[ -x "$LAB_BIN/kubectl" ]] && out=$("$LAB_BIN/kubectl" version --client 2>/dev/null) &&
    [[ "$out" == *"Client Version: $LAB_KUBE_VERSION"* ]]
}

have_version etcd "etcd Version: ${LAB_ETCD_VERSION#v}" || build_etcd
if ! have_version kube-apiserver "Kubernetes $LAB_KUBE_VERSION" ||
  ! have_version kube-controller-manager "Kubernetes $LAB_KUBE_VERSION"; then
  build_kube kube-apiserver kube-controller-manager
fi
have_version kube-scheduler "Kubernetes $LAB_KUBE_VERSION" || build_kube kube-scheduler
# kubectl matching the server (the system kubectl may be outside the +/-1 minor skew).
if [[ "${LAB_KUBECTL:-1}" != 0 ]] && ! have_kubectl; then
  build_kube kubectl
fi
# sed reads all of it: head would exit early and SIGPIPE etcd, which pipefail turns into a failure.
"$LAB_BIN/etcd" --version | sed -n 1p >&2
"$LAB_BIN/kube-apiserver" --version >&2
