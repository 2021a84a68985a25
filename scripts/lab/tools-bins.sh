#!/usr/bin/env bash
# Lab tools built from Go modules into LAB_HOME/bin; each is skipped when present at its version:
#   versitygw   github.com/versity/versitygw/cmd/versitygw @ LAB_VERSITYGW_VERSION (S3 gateway; posix backend)
#   helm        helm.sh/helm/v3/cmd/helm @ LAB_HELM_VERSION
#   kustomize   sigs.k8s.io/kustomize/kustomize/v5 @ LAB_KUSTOMIZE_VERSION
#   redis-lite  scripts/lab/redis-lite on miniredis LAB_MINIREDIS_VERSION (Argo CD's redis)
#   kwok        sigs.k8s.io/kwok/cmd/kwok @ LAB_KWOK_VERSION
# Usage: scripts/lab/tools-bins.sh [--download] [component...]   (default: all, in this order)
#   --download  fetch the Go modules they need, compile nothing
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_component_args --download "versitygw helm kustomize redis-lite kwok" "$@" # sets DOWNLOAD, COMPONENTS

HELM_PKG=helm.sh/helm/v3/cmd/helm
KUSTOMIZE_PKG=sigs.k8s.io/kustomize/kustomize/v5
KWOK_PKG=sigs.k8s.io/kwok/cmd/kwok
VERSITYGW_PKG=github.com/versity/versitygw/cmd/versitygw

# Helm's Makefile: version, and the Kubernetes version `helm template` assumes, from its client-go.
helm_ldflags() {
  local v=$LAB_HELM_VERSION cg minor p=helm.sh/helm/v3
  cg=$(go mod edit -json "$(lab_module_field helm.sh/helm/v3 "$v" GoMod)" |
    node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).Require.find(r => r.Path === "k8s.io/client-go").Version')
  minor=$(cut -d. -f2 <<<"$cg")
  printf -- '-X %s/internal/version.version=%s -X %s/internal/version.gitTreeState=clean' "$p" "$v" "$p"
  printf -- ' -X %s/pkg/lint/rules.k8sVersionMajor=1 -X %s/pkg/lint/rules.k8sVersionMinor=%s' "$p" "$p" "$minor"
  printf -- ' -X %s/pkg/chartutil.k8sVersionMajor=1 -X %s/pkg/chartutil.k8sVersionMinor=%s' "$p" "$p" "$minor"
}

versitygw_ldflags() {
  printf -- '-X main.Version=%s -X main.Build=%s -X main.BuildTime=%s' "$LAB_VERSITYGW_VERSION" \
    "$LAB_VERSITYGW_VERSION" "$(date -u +%FT%TZ)"
}

redis_lite_steps() {
  local d=$1
  rm -rf "$d" && mkdir -p "$d"
  cp "$LAB_SCRIPTS_DIR"/redis-lite/{go.mod,go.sum,main.go} "$d"/
  cd "$d"
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X main.sourceHash=$(lab_redis_lite_hash) -X main.miniredisVersion=$LAB_MINIREDIS_VERSION" \
    -o "$LAB_BIN/redis-lite" .
}

ensure_redis_lite() {
  local why log
  if why=$(lab_piece_check redis-lite); then
    lab_log "redis-lite: $LAB_BIN/redis-lite"
    return
  fi
  log=$(lab_build_start redis-lite)
  lab_log "building redis-lite from scripts/lab/redis-lite ($why; log: $log)"
  lab_time_start
  lab_run_logged "$log" redis_lite_steps "$LAB_BUILD/redis-lite" || lab_build_failed redis-lite "$log"
  lab_time_end "build redis-lite (miniredis $LAB_MINIREDIS_VERSION)"
  lab_piece_ok_or_die redis-lite
}

download() {
  case "$1" in
    versitygw) lab_go_download_pkgs github.com/versity/versitygw "$LAB_VERSITYGW_VERSION" "$VERSITYGW_PKG" ;;
    helm) lab_go_download_pkgs helm.sh/helm/v3 "$LAB_HELM_VERSION" "$HELM_PKG" ;;
    kustomize) lab_go_download_pkgs "$KUSTOMIZE_PKG" "$LAB_KUSTOMIZE_VERSION" "$KUSTOMIZE_PKG" ;;
    redis-lite) (cd "$LAB_SCRIPTS_DIR/redis-lite" && go mod download) ;;
    kwok) lab_go_download_pkgs sigs.k8s.io/kwok "$LAB_KWOK_VERSION" "$KWOK_PKG" ;;
  esac
}

build() {
  case "$1" in
    versitygw) lab_go_install versitygw "$VERSITYGW_PKG" "$LAB_VERSITYGW_VERSION" "$(versitygw_ldflags)" ;;
    helm) lab_go_install helm "$HELM_PKG" "$LAB_HELM_VERSION" "$(helm_ldflags)" ;;
    kustomize) lab_go_install kustomize "$KUSTOMIZE_PKG" "$LAB_KUSTOMIZE_VERSION" ;;
    redis-lite) ensure_redis_lite ;;
    kwok) lab_go_install kwok "$KWOK_PKG" "$LAB_KWOK_VERSION" ;;
  esac
}

lab_each_component download build
