#!/usr/bin/env bash
# Argo CD LAB_ARGOCD_VERSION (github.com/argoproj/argo-cd/v3) for the lab: one multi-call binary,
# LAB_HOME/bin/argocd, plus symlinks named argocd-server, argocd-application-controller,
# argocd-repo-server, ... (the process name selects the component, as in Argo CD's image).
# Skipped when present at the right version. Cold: ~25-30 min on 2 cores.
#
# The module zip leaves out ./gitops-engine, which go.mod maps gitops-engine to, so the module is
# copied out of the module cache and ./gitops-engine is filled from the served gitops-engine module
# (LAB_ARGOCD_GITOPS_ENGINE_MODVER; see lib.sh). The web UI is not built (it needs the UI's own
# JavaScript build); a placeholder page says so. The API, gRPC and all controllers are complete.
#
# Usage: scripts/lab/argocd-bins.sh [--download]   (--download: fetch the Go modules, compile nothing)
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_component_args --download "" "$@" # sets DOWNLOAD (no components)

SRC="$LAB_BUILD/argo-cd"
PKG=github.com/argoproj/argo-cd/v3/common

# prepare_source: the writable copy with ./gitops-engine filled and the UI placeholder.
prepare_source() {
  lab_copy_module "$LAB_ARGOCD_MODULE" "$LAB_ARGOCD_VERSION" "$SRC"
  lab_copy_module "$LAB_ARGOCD_GITOPS_ENGINE_MODULE" "$LAB_ARGOCD_GITOPS_ENGINE_MODVER" "$SRC/gitops-engine"
  if [[ ! -f "$SRC/ui/dist/app/index.html" ]]; then
    mkdir -p "$SRC/ui/dist/app"
    cat >"$SRC/ui/dist/app/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><base href="/"><title>Argo CD (lab)</title></head>
<body><p>cluster-fleet lab build of Argo CD: the web UI is not built here. The API, gRPC and the argocd CLI work.</p></body></html>
EOF
  fi
  cd "$SRC"
  # Fetch what ./cmd needs. -mod=mod: the filled gitops-engine may need go.sum lines (or newer
  # requirements) that the release's go.mod/go.sum lack.
  go list -mod=mod -deps ./cmd >/dev/null
}

# Argo CD's Makefile ldflags. There is no git checkout, so no commit; extraBuildInfo says what differs.
ldflags() {
  local kubectl
  kubectl=$(go list -m -f '{{.Version}}' k8s.io/client-go)
  printf -- '-s -w -X %s.version=%s -X %s.buildDate=%s -X %s.gitTag=%s -X %s.gitTreeState=clean' \
    "$PKG" "${LAB_ARGOCD_VERSION#v}" "$PKG" "$(date -u +%FT%TZ)" "$PKG" "$LAB_ARGOCD_VERSION" "$PKG"
  printf -- ' -X %s.kubectlVersion=%s' "$PKG" "$kubectl"
  printf -- " -X '%s.extraBuildInfo=cluster-fleet lab build: gitops-engine %s, web UI not built'" \
    "$PKG" "$LAB_ARGOCD_GITOPS_ENGINE_MODVER"
}

build_steps() {
  prepare_source
  cd "$SRC"
  # Same as the Makefile's `make argocd-all` target, one binary for every component.
  CGO_ENABLED=0 GODEBUG="tarinsecurepath=0,zipinsecurepath=0" \
    go build -mod=mod -trimpath -ldflags "$(ldflags)" -o "$LAB_BIN/argocd" ./cmd
}

link_names() {
  local n
  for n in "${LAB_ARGOCD_NAMES[@]}"; do ln -sfn argocd "$LAB_BIN/$n"; done
}

if [[ $DOWNLOAD == 1 ]]; then
  log=$(lab_build_start argocd)
  lab_run_logged "$log" prepare_source || lab_die "downloading Argo CD's modules failed; see $log"
  lab_log "argocd: modules downloaded"
  exit 0
fi

if why=$(lab_piece_check argocd); then
  lab_log "argocd: $LAB_BIN/argocd ($LAB_ARGOCD_VERSION)"
else
  log=$(lab_build_start argocd)
  lab_log "building Argo CD $LAB_ARGOCD_VERSION in $SRC ($why; cold ~25-30 min; log: $log)"
  lab_time_start
  lab_run_logged "$log" build_steps || lab_build_failed argocd "$log"
  lab_time_end "build argocd $LAB_ARGOCD_VERSION"
  lab_piece_ok_or_die argocd
fi
link_names
for n in "${LAB_ARGOCD_NAMES[@]}"; do lab_piece_ok_or_die "$n"; done
