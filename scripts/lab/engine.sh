#!/usr/bin/env bash
# Provide the real Pulumi engine for the lab: CLI, Node.js language host, the dynamic-provider
# shim, and the kubernetes + command resource providers, installed into a private PULUMI_HOME.
#
# Usage: scripts/lab/engine.sh [--print-env] [component...]
#   components: pulumi nodejs shim kubernetes command   (default: all, in that order)
#
# Uses binaries already present (LAB_HOME/bin, LAB_HOME/providers or PATH); otherwise builds them
# from Go modules (Go module proxy only) in LAB_BUILD, outside the repo. Idempotent; a warm run
# takes a second or two. Downloads nothing except Go modules.
set -euo pipefail
# shellcheck source=scripts/lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lab_component_args --print-env "pulumi nodejs shim kubernetes command" "$@" # sets PRINT_ENV, COMPONENTS

print_env() {
  cat <<EOF
export LAB_HOME='$LAB_HOME'
export PATH='$LAB_BIN':"\$PATH"
export PULUMI_HOME='$LAB_PULUMI_HOME'
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
EOF
}

if [[ $PRINT_ENV == 1 ]]; then
  print_env
  exit 0
fi

mkdir -p "$LAB_BIN" "$LAB_PROVIDERS" "$LAB_PULUMI_HOME" "$LAB_LOGS"
export PULUMI_HOME="$LAB_PULUMI_HOME" PULUMI_SKIP_UPDATE_CHECK=true \
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PULUMI_DISABLE_REGISTRY_RESOLVE=true

WARNINGS=()
warn() {
  WARNINGS+=("$*")
  lab_log "WARNING: $*"
}

go_build_env() {
  lab_need go
  lab_check_build_dir
}

# --- Pulumi CLI ---------------------------------------------------------------------------------
build_pulumi() {
  go_build_env
  local d="$LAB_BUILD/pulumi-engine" v="v$LAB_PULUMI_VERSION"
  lab_log "building pulumi $v from Go modules in $d (cold: ~6-25 min on 2 cores; log: $LAB_LOGS/build-pulumi.log)"
  mkdir -p "$d"
  lab_time_start
  (
    cd "$d"
    [[ -f go.mod ]] || go mod init local/pulumi-engine
    # pkg/go.mod's only non-local replace; the local sdk replace is dropped by using modules.
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    go get -tool "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$v"
    go get "github.com/pulumi/pulumi/sdk/v3@$v"
    go mod tidy
    go build -trimpath -tags osusergo,grpcnotrace \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
      -o "$LAB_BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  ) >>"$LAB_LOGS/build-pulumi.log" 2>&1 || lab_die "pulumi build failed; see $LAB_LOGS/build-pulumi.log"
  lab_time_end "build pulumi $v"
}

ensure_pulumi() {
  local p ver
  if p=$(lab_find pulumi) && ver=$("$p" version 2>/dev/null) && [[ "$ver" == "v$LAB_PULUMI_VERSION" ]]; then
    [[ "$p" == "$LAB_BIN/pulumi" ]] || ln -sfn "$p" "$LAB_BIN/pulumi"
    lab_log "pulumi $ver: $p"
    return
  fi
  [[ -n "${p:-}" ]] && lab_log "ignoring $p (version '${ver:-?}', want v$LAB_PULUMI_VERSION)"
  build_pulumi
  ver=$("$LAB_BIN/pulumi" version)
  [[ "$ver" == "v$LAB_PULUMI_VERSION" ]] || lab_die "built pulumi reports '$ver', want v$LAB_PULUMI_VERSION"
}

# --- Node.js language host ----------------------------------------------------------------------
# The upstream host is its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) with no tags; the
# proxy answers 403 for every version of it (checked 2026-11-26). If it is ever served, it is built
# here; otherwise the lab's own minimal host (scripts/lab/nodejs-host) is built instead.
LAB_NODEJS_HOST_MODULE=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
LAB_NODEJS_HOST_MODVER=v3.0.0-20260624180030-dc7edd58bc13

build_nodejs_host() {
  go_build_env
  local d="$LAB_BUILD/nodejs-host" v="v$LAB_PULUMI_VERSION"
  lab_log "building pulumi-language-nodejs in $d (log: $LAB_LOGS/build-nodejs-host.log)"
  lab_time_start
  mkdir -p "$d"
  if go list -m "$LAB_NODEJS_HOST_MODULE@$LAB_NODEJS_HOST_MODVER" >>"$LAB_LOGS/build-nodejs-host.log" 2>&1; then
    (
      cd "$d"
      [[ -f go.mod ]] || go mod init local/nodejs-host
      go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
      go get -tool "$LAB_NODEJS_HOST_MODULE@$LAB_NODEJS_HOST_MODVER"
      go get "github.com/pulumi/pulumi/sdk/v3@$v" "github.com/pulumi/pulumi/pkg/v3@$v"
      go mod tidy
      go build -trimpath -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$v" \
        -o "$LAB_BIN/pulumi-language-nodejs" "$LAB_NODEJS_HOST_MODULE"
    ) >>"$LAB_LOGS/build-nodejs-host.log" 2>&1 || lab_die "pulumi-language-nodejs build failed; see $LAB_LOGS/build-nodejs-host.log"
    printf 'upstream %s\n' "$LAB_NODEJS_HOST_MODVER" >"$LAB_BIN/pulumi-language-nodejs.source"
  elif [[ -f "$LAB_SCRIPTS_DIR/nodejs-host/main.go" ]]; then
    lab_log "upstream host module not served by the proxy; building the lab's minimal host (scripts/lab/nodejs-host)"
    rm -rf "$d" && mkdir -p "$d" && cp "$LAB_SCRIPTS_DIR"/nodejs-host/main.go "$LAB_SCRIPTS_DIR"/nodejs-host/go.mod "$d"/
    (
      cd "$d"
      go get "github.com/pulumi/pulumi/sdk/v3@$v"
      go mod tidy
      go build -trimpath -ldflags "-s -w" -o "$LAB_BIN/pulumi-language-nodejs" .
    ) >>"$LAB_LOGS/build-nodejs-host.log" 2>&1 || lab_die "minimal nodejs host build failed; see $LAB_LOGS/build-nodejs-host.log"
    printf 'lab-minimal %s (scripts/lab/nodejs-host)\n' "$(lab_host_hash)" >"$LAB_BIN/pulumi-language-nodejs.source"
  else
    warn "pulumi-language-nodejs: upstream module refused by the proxy and no substitute available; TypeScript programs cannot run"
    return 0
  fi
  lab_time_end "build pulumi-language-nodejs"
}

lab_host_hash() {
  cat "$LAB_SCRIPTS_DIR"/nodejs-host/main.go "$LAB_SCRIPTS_DIR"/nodejs-host/go.mod | sha256sum | cut -c1-16
}

ensure_nodejs() {
  local p src
  src=$(cat "$LAB_BIN/pulumi-language-nodejs.source" 2>/dev/null || true)
  if [[ "$src" == lab-minimal* && "$src" != "lab-minimal $(lab_host_hash) "* ]]; then
    lab_log "scripts/lab/nodejs-host changed since the last build; rebuilding"
    rm -f "$LAB_BIN/pulumi-language-nodejs" "$LAB_BIN/pulumi-language-nodejs.source"
  fi
  if p=$(lab_find pulumi-language-nodejs); then
    [[ "$p" == "$LAB_BIN/pulumi-language-nodejs" ]] || ln -sfn "$p" "$LAB_BIN/pulumi-language-nodejs"
    lab_log "pulumi-language-nodejs: $p ($(cat "$LAB_BIN/pulumi-language-nodejs.source" 2>/dev/null || echo 'found on PATH'))"
    return
  fi
  build_nodejs_host
}

# --- dynamic-provider shim ----------------------------------------------------------------------
ensure_shim() {
  local shim="$LAB_REPO_ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [[ -x "$shim" ]]; then
    ln -sfn "$shim" "$LAB_BIN/pulumi-resource-pulumi-nodejs"
    lab_log "pulumi-resource-pulumi-nodejs -> $shim"
  else
    warn "node_modules/@pulumi/pulumi is missing in $LAB_REPO_ROOT (run 'npm ci'), so the pulumi-resource-pulumi-nodejs shim is not linked; re-run engine.sh afterwards"
  fi
}

# --- providers ----------------------------------------------------------------------------------
plugin_installed() { # kind name version
  [[ -d "$LAB_PULUMI_HOME/plugins/$1-$2-v$3" && ! -e "$LAB_PULUMI_HOME/plugins/$1-$2-v$3.partial" ]]
}

install_provider() { # name version binary
  local pulumi
  pulumi=$(lab_find pulumi) || lab_die "pulumi CLI missing; run scripts/lab/engine.sh pulumi first"
  "$pulumi" plugin install resource "$1" "$2" --file "$3" >>"$LAB_LOGS/plugin-install.log" 2>&1 ||
    lab_die "pulumi plugin install resource $1 $2 failed; see $LAB_LOGS/plugin-install.log"
  lab_log "installed resource plugin $1 $2 from $3"
}

build_kubernetes_provider() {
  go_build_env
  local d="$LAB_BUILD/pulumi-kubernetes" log="$LAB_LOGS/build-kubernetes.log"
  lab_log "building pulumi-resource-kubernetes from $LAB_K8S_PROVIDER_MODULE@$LAB_K8S_PROVIDER_MODVER as $LAB_K8S_PROVIDER_VERSION (cold: ~10-20 min; log: $log)"
  lab_time_start
  (
    lab_copy_module "$LAB_K8S_PROVIDER_MODULE" "$LAB_K8S_PROVIDER_MODVER" "$d" || exit 1
    cd "$d"
    # The only replace is the local ../sdk; swap it for the released sdk module.
    go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 \
      -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@$LAB_K8S_PROVIDER_SDKVER"
    # schema-embed.json and terraform-mapping-embed.json are gitignored, so not in the module zip.
    (cd cmd/pulumi-resource-kubernetes && VERSION="$LAB_K8S_PROVIDER_VERSION" go run -mod=mod ./generate.go)
    CGO_ENABLED=0 go build -mod=mod -trimpath \
      -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$LAB_K8S_PROVIDER_VERSION" \
      -o "$LAB_PROVIDERS/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  ) >>"$log" 2>&1 || lab_die "pulumi-resource-kubernetes build failed; see $log"
  printf '%s %s@%s\n' "$LAB_K8S_PROVIDER_VERSION" "$LAB_K8S_PROVIDER_MODULE" "$LAB_K8S_PROVIDER_MODVER" \
    >"$LAB_PROVIDERS/pulumi-resource-kubernetes.version"
  lab_time_end "build pulumi-resource-kubernetes"
}

build_command_provider() {
  go_build_env
  local log="$LAB_LOGS/build-command.log"
  lab_log "building pulumi-resource-command $LAB_COMMAND_VERSION from $LAB_COMMAND_MODULE@$LAB_COMMAND_MODVER (log: $log)"
  if ! go list -m "$LAB_COMMAND_MODULE@$LAB_COMMAND_MODVER" >>"$log" 2>&1; then
    if [[ "${LAB_COMMAND_STUB:-1}" == 0 ]]; then
      warn "pulumi-resource-command: the Go module proxy refuses $LAB_COMMAND_MODULE (403); not built, not installed"
      return 1
    fi
    write_command_stub
    return 0
  fi
  lab_time_start
  GOBIN="$LAB_PROVIDERS" go install -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-command/provider/pkg/version.Version=v$LAB_COMMAND_VERSION" \
    "$LAB_COMMAND_MODULE/cmd/pulumi-resource-command@$LAB_COMMAND_MODVER" >>"$log" 2>&1 ||
    lab_die "pulumi-resource-command build failed; see $log"
  printf '%s %s@%s\n' "$LAB_COMMAND_VERSION" "$LAB_COMMAND_MODULE" "$LAB_COMMAND_MODVER" \
    >"$LAB_PROVIDERS/pulumi-resource-command.version"
  lab_time_end "build pulumi-resource-command"
}

# The engine refuses to run a program whose node_modules hold a provider package (here
# @pulumi/command) whose plugin is missing ("plugin command 1.2.1 not installed") when automatic
# acquisition is off. A real build is impossible (module refused), so by default install a STUB
# under that version: the engine's preflight passes, and the stub fails loudly only if a program
# actually creates a command resource or provider. LAB_COMMAND_STUB=0 disables this.
write_command_stub() {
  local bin="$LAB_PROVIDERS/pulumi-resource-command"
  cat >"$bin" <<'STUB'
#!/bin/sh
echo "cluster-fleet lab: pulumi-resource-command is a STUB. The real provider (github.com/pulumi/pulumi-command/provider) is not served by the Go module proxy, so it cannot be built here. Do not create @pulumi/command resources in the lab (e.g. give routers no 'ssh')." >&2
exit 1
STUB
  chmod 755 "$bin"
  printf '%s STUB (real module refused by the Go module proxy)\n' "$LAB_COMMAND_VERSION" >"$bin.version"
  warn "pulumi-resource-command $LAB_COMMAND_VERSION: Go module proxy refuses $LAB_COMMAND_MODULE (403); installing a STUB that fails if used (LAB_COMMAND_STUB=0 to skip)"
}

ensure_provider() { # name version
  local name=$1 ver=$2 bin
  if plugin_installed resource "$name" "$ver"; then
    if grep -q STUB "$LAB_PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name" 2>/dev/null; then
      warn "resource plugin $name $ver in $LAB_PULUMI_HOME is the lab STUB (fails if used)"
    else
      lab_log "resource plugin $name $ver already installed in $LAB_PULUMI_HOME"
    fi
    return
  fi
  bin="$LAB_PROVIDERS/pulumi-resource-$name"
  if [[ ! -x "$bin" || "$(cut -d' ' -f1 "$bin.version" 2>/dev/null)" != "$ver" ]]; then
    if bin=$(command -v "pulumi-resource-$name" 2>/dev/null); then
      lab_log "using pulumi-resource-$name from PATH: $bin (version not checked)"
    else
      bin="$LAB_PROVIDERS/pulumi-resource-$name"
      "build_${name}_provider" || return 0
    fi
  fi
  install_provider "$name" "$ver" "$bin"
}

lab_time_start
T_ALL=$LAB_T0
for c in "${COMPONENTS[@]}"; do
  case "$c" in
    pulumi) ensure_pulumi ;;
    nodejs) ensure_nodejs ;;
    shim) ensure_shim ;;
    kubernetes) ensure_provider kubernetes "$LAB_K8S_PROVIDER_VERSION" ;;
    command) ensure_provider command "$LAB_COMMAND_VERSION" ;;
  esac
done
LAB_T0=$T_ALL
lab_time_end "engine.sh ${COMPONENTS[*]}"

echo
echo "# Lab engine ready. Use it with:   source scripts/lab/env.sh"
echo "# (equivalent to the following)"
print_env
if [[ ${#WARNINGS[@]} -gt 0 ]]; then
  echo
  for w in "${WARNINGS[@]}"; do echo "# WARNING: $w"; done
fi
