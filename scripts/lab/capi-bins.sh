#!/usr/bin/env bash
# Cluster API managers for the lab, built from Go modules into LAB_HOME/bin; each is skipped when
# present at its version:
#   capi       capi-manager (sigs.k8s.io/cluster-api/core), capi-kubeadm-bootstrap-manager
#              (bootstrap/kubeadm), capi-kubeadm-control-plane-manager (controlplane/kubeadm)
#              @ LAB_CAPI_VERSION; the root module's `./api` replace is the served
#              sigs.k8s.io/cluster-api/api at the same version
#   capi-ipam  capi-ipam-manager (sigs.k8s.io/cluster-api-ipam-provider-in-cluster @ LAB_CAPI_IPAM_VERSION)
#   capv       capv-manager (sigs.k8s.io/cluster-api-provider-vsphere @ LAB_CAPV_VERSION)
# Each builds in a wrapper module (lab_go_wrapper) with the upstream module's replaces, so the
# binaries' build info names the upstream module and version.
# Usage: scripts/lab/capi-bins.sh [--download] [component...]   (default: all, in this order)
#   --download  fetch the Go modules they need, compile nothing
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_component_args --download "capi capi-ipam capv" "$@" # sets DOWNLOAD, COMPONENTS

# The version ldflags of each project's hack/version.sh (no git checkout: no commit).
version_ldflags() { # version-package version
  printf -- '%s -X %s.buildDate=%s' "$(lab_version_ldflags "$1" "$2")" "$1" "$(date -u +%FT%TZ)"
}

# capi_wrapper: (cwd = wrapper) the core module, its ./api replace filled by the served api module.
capi_wrapper() {
  local d="$LAB_BUILD/cluster-api" p pkgs=()
  # Reuse it for the second and third manager.
  if [[ -f "$d/go.sum" ]] && grep -Eq "^(require)?[[:space:]]+$LAB_CAPI_MODULE $LAB_CAPI_VERSION( // indirect)?\$" "$d/go.mod"; then
    cd "$d"
    return
  fi
  lab_go_wrapper "$LAB_BUILD/cluster-api" "$LAB_CAPI_MODULE" "$LAB_CAPI_VERSION"
  go mod edit -replace "$LAB_CAPI_MODULE/api=$LAB_CAPI_MODULE/api@$LAB_CAPI_VERSION"
  for p in api core bootstrap/kubeadm controlplane/kubeadm; do pkgs+=("$LAB_CAPI_MODULE/$p@$LAB_CAPI_VERSION"); done
  go get "${pkgs[@]}"
}

# `go install MODULE@VERSION` would need the module's version list (for deprecations), which the
# proxy refuses (403) for the IPAM provider; a wrapper module needs only the version itself.
ipam_wrapper() {
  lab_go_wrapper "$LAB_BUILD/cluster-api-ipam-provider-in-cluster" "$LAB_CAPI_IPAM_MODULE" "$LAB_CAPI_IPAM_VERSION"
  go get "$LAB_CAPI_IPAM_MODULE@$LAB_CAPI_IPAM_VERSION"
}

capv_wrapper() {
  lab_go_wrapper "$LAB_BUILD/cluster-api-provider-vsphere" "$LAB_CAPV_MODULE" "$LAB_CAPV_VERSION"
  go get "$LAB_CAPV_MODULE@$LAB_CAPV_VERSION"
}

# build_in_wrapper NAME PKG VERSION-PKG VERSION WRAPPER-FN
build_in_wrapper() {
  local name=$1 pkg=$2 vpkg=$3 ver=$4 setup=$5 why log
  if why=$(lab_piece_check "$name"); then
    lab_log "$name: $LAB_BIN/$name ($pkg, $ver)"
    return 0
  fi
  log=$(lab_build_start "$name")
  lab_log "building $name from $pkg @ $ver ($why; log: $log)"
  lab_time_start
  lab_run_logged "$log" wrapper_build "$name" "$pkg" "$vpkg" "$ver" "$setup" || lab_build_failed "$name" "$log"
  lab_time_end "build $name $ver"
  lab_piece_ok_or_die "$name"
}

wrapper_build() {
  local name=$1 pkg=$2 vpkg=$3 ver=$4 setup=$5
  "$setup"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $(version_ldflags "$vpkg" "$ver")" -o "$LAB_BIN/$name" "$pkg"
}

download() {
  local log
  log=$(lab_build_start "$1")
  case "$1" in
    capi) lab_run_logged "$log" capi_wrapper || lab_build_failed capi "$log" ;;
    capv) lab_run_logged "$log" capv_wrapper || lab_build_failed capv "$log" ;;
    capi-ipam) lab_run_logged "$log" ipam_wrapper || lab_build_failed capi-ipam "$log" ;;
  esac
}

build() {
  case "$1" in
    capi)
      build_in_wrapper capi-manager "$LAB_CAPI_MODULE/core" "$LAB_CAPI_MODULE/version" "$LAB_CAPI_VERSION" capi_wrapper
      build_in_wrapper capi-kubeadm-bootstrap-manager "$LAB_CAPI_MODULE/bootstrap/kubeadm" \
        "$LAB_CAPI_MODULE/version" "$LAB_CAPI_VERSION" capi_wrapper
      build_in_wrapper capi-kubeadm-control-plane-manager "$LAB_CAPI_MODULE/controlplane/kubeadm" \
        "$LAB_CAPI_MODULE/version" "$LAB_CAPI_VERSION" capi_wrapper
      ;;
    capi-ipam)
      build_in_wrapper capi-ipam-manager "$LAB_CAPI_IPAM_MODULE" "$LAB_CAPI_IPAM_MODULE/version" \
        "$LAB_CAPI_IPAM_VERSION" ipam_wrapper
      ;;
    capv)
      build_in_wrapper capv-manager "$LAB_CAPV_MODULE" "$LAB_CAPV_MODULE/pkg/version" "$LAB_CAPV_VERSION" capv_wrapper
      ;;
  esac
}

lab_each_component download build
