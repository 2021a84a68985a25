// pulumi-language-nodejs (lab edition): a minimal Node.js language host for the lab.
//
// Why this exists: upstream's host is its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) with no tags, and the Go module
// proxy reachable here refuses every version of it (403). Everything else in the Pulumi engine is
// built from the real modules; this file is only the thin gRPC bridge between the engine and the
// real Node runtime that ships in @pulumi/pulumi (cmd/run, cmd/run-plugin, cmd/run-policy-pack).
//
// It implements what `pulumi preview/up/destroy` and policy packs need: Handshake, GetPluginInfo,
// GetRequiredPackages/GetRequiredPlugins (reads node_modules/*/package.json "pulumi" stanzas),
// Run, RunPlugin, InstallDependencies (npm install), About and GetProgramDependencies. Everything else
// answers Unimplemented. It follows the argv/env contract of @pulumi/pulumi 3.248.0's cmd/run.
// It is not upstream's host: no yarn/pnpm/bun, no debugger attach, no program generation.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

const (
	hostVersion = "3.248.0+lab.minimal"
	// cmd/run exits with this code after it has already shown the user an actionable error.
	exitAfterLoggedError = 32
)

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	mu            sync.Mutex
	engineAddress string
	tracing       string
}

func main() {
	fs := flag.NewFlagSet(os.Args[0], flag.ContinueOnError)
	tracing := fs.String("tracing", "", "emit tracing to a Zipkin-compatible endpoint")
	_ = fs.Bool("logtostderr", false, "ignored")
	_ = fs.Bool("logflow", false, "ignored")
	_ = fs.Int("v", 0, "ignored")
	_ = fs.String("root", "", "ignored")
	_ = fs.Bool("typescript", true, "ignored (runtime option 'typescript' is read per request)")
	_ = fs.String("tsconfig", "", "ignored (runtime option 'tsconfig' is read per request)")
	_ = fs.String("nodeargs", "", "ignored (runtime option 'nodeargs' is read per request)")
	_ = fs.String("packagemanager", "", "ignored")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	h := &host{tracing: *tracing}
	if fs.NArg() > 0 {
		h.engineAddress = fs.Arg(0)
	}

	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (lab): could not start server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs (lab): %v\n", err)
		os.Exit(1)
	}
}

func (h *host) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: hostVersion}, nil
}

// ---- options and paths -------------------------------------------------------------------------

type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseOptions(s *structpb.Struct) runtimeOptions {
	o := runtimeOptions{typescript: true}
	if s == nil {
		return o
	}
	m := s.AsMap()
	if v, ok := m["typescript"].(bool); ok {
		o.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		o.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok {
		o.nodeargs = strings.Fields(v)
	}
	return o
}

func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	if fallback != "" {
		return fallback
	}
	wd, _ := os.Getwd()
	return wd
}

func nodeBinary() (string, error) {
	p, err := exec.LookPath("node")
	if err != nil {
		return "", status.Error(codes.FailedPrecondition, "could not find 'node' on PATH")
	}
	return p, nil
}

// resolveModule finds e.g. @pulumi/pulumi/cmd/run as seen from dir, the way Node would.
func resolveModule(node, dir, module string) (string, error) {
	script := fmt.Sprintf("console.log(require.resolve(%q))", module)
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("it looks like the Pulumi SDK has not been installed (could not resolve %s from %s; run npm install): %v: %s",
			module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// ---- Run ---------------------------------------------------------------------------------------

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	pwd := req.GetPwd()
	if pwd == "" {
		pwd = dir
	}
	opts := parseOptions(info.GetOptions())
	runPath, err := resolveModule(node, dir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}

	h.mu.Lock()
	engine := h.engineAddress
	h.mu.Unlock()

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	if req.GetOrganization() != "" {
		args = append(args, "--organization", req.GetOrganization())
	}
	args = append(args, "--project", req.GetProject(), "--stack", req.GetStack(), "--pwd", pwd,
		"--monitor", req.GetMonitorAddress())
	if engine != "" {
		args = append(args, "--engine", engine)
	}
	if info.GetRootDirectory() != "" {
		args = append(args, "--root-directory", info.GetRootDirectory())
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		args = append(args, "--parallel", strconv.Itoa(int(req.GetParallel())))
	}
	if h.tracing != "" {
		args = append(args, "--tracing", h.tracing)
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	keys, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(keys),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterLoggedError {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			if exitErr.ExitCode() >= 0 {
				return &pulumirpc.RunResponse{
					Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
				}, nil
			}
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program failed: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// ---- RunPlugin (policy packs, plugins written in Node) -----------------------------------------

type streamWriter struct {
	mu     *sync.Mutex
	server pulumirpc.LanguageRuntime_RunPluginServer
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	resp := &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	if w.stderr {
		resp = &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.server.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	node, err := nodeBinary()
	if err != nil {
		return err
	}
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	module := "@pulumi/pulumi/cmd/run-plugin"
	if req.GetKind() == "analyzer" {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := resolveModule(node, dir, module)
	if err != nil {
		return status.Error(codes.FailedPrecondition, err.Error())
	}
	opts := parseOptions(info.GetOptions())
	args := append([]string{}, opts.nodeargs...)
	if req.GetKind() == "analyzer" {
		// run-policy-pack's usage is `<engine-address> <program> [args...]`; the engine passes its
		// address as the first plugin argument.
		engine, rest := h.engineAddress, req.GetArgs()
		if len(rest) > 0 {
			engine, rest = rest[0], rest[1:]
		}
		args = append(args, runPath, engine, dir)
		args = append(args, rest...)
	} else {
		// run-plugin's usage is `<program> [args...]`; the plugin reads the engine address from its args.
		args = append(args, runPath, dir)
		args = append(args, req.GetArgs()...)
	}

	cmd := exec.CommandContext(server.Context(), node, args...)
	// Run in the plugin's own directory: @pulumi/policy reads ./package.json for the pack version.
	cmd.Dir = dir
	cmd.Env = req.GetEnv()
	if len(cmd.Env) == 0 {
		cmd.Env = os.Environ()
	}
	mu := &sync.Mutex{}
	cmd.Stdout = streamWriter{mu: mu, server: server}
	cmd.Stderr = streamWriter{mu: mu, server: server, stderr: true}
	code := int32(0)
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = int32(exitErr.ExitCode())
	}
	mu.Lock()
	defer mu.Unlock()
	return server.Send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: code}})
}

// ---- plugins and dependencies ------------------------------------------------------------------

type pulumiStanza struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *pulumiStanza     `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// nodeModulesDirs returns node_modules directories from dir up to the filesystem root
// (npm workspaces hoist dependencies to the workspace root).
func nodeModulesDirs(dir string) []string {
	var out []string
	for d := dir; ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			out = append(out, nm)
		}
		if filepath.Dir(d) == d {
			return out
		}
	}
}

func requiredPackages(dir string) []*pulumirpc.PackageDependency {
	seen := map[string]bool{}
	var deps []*pulumirpc.PackageDependency
	for _, nm := range nodeModulesDirs(dir) {
		entries, _ := os.ReadDir(nm)
		var pkgDirs []string
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			if strings.HasPrefix(name, "@") {
				scoped, _ := os.ReadDir(filepath.Join(nm, name))
				for _, s := range scoped {
					pkgDirs = append(pkgDirs, filepath.Join(nm, name, s.Name()))
				}
				continue
			}
			pkgDirs = append(pkgDirs, filepath.Join(nm, name))
		}
		for _, pd := range pkgDirs {
			p, err := readPackageJSON(filepath.Join(pd, "package.json"))
			if err != nil || p.Pulumi == nil || !p.Pulumi.Resource {
				continue
			}
			name := p.Pulumi.Name
			if name == "" {
				name = strings.TrimPrefix(p.Name, "@pulumi/")
			}
			version := p.Pulumi.Version
			if version == "" {
				version = p.Version
			}
			if seen[name+"@"+version] {
				continue
			}
			seen[name+"@"+version] = true
			deps = append(deps, &pulumirpc.PackageDependency{
				Name: name, Kind: "resource", Version: "v" + strings.TrimPrefix(version, "v"), Server: p.Pulumi.Server,
			})
		}
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps
}

func (h *host) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: requiredPackages(programDir(req.GetInfo(), ""))}, nil
}

//nolint:staticcheck // deprecated upstream, still called by older engines
func (h *host) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	for _, d := range requiredPackages(programDir(req.GetInfo(), "")) {
		plugins = append(plugins, &pulumirpc.PluginDependency{Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *host) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), "")
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "reading package.json in %s: %v", dir, err)
	}
	all := map[string]string{}
	for k, v := range p.Dependencies {
		all[k] = v
	}
	if req.GetTransitiveDependencies() {
		for k, v := range p.DevDependencies {
			all[k] = v
		}
	}
	var out []*pulumirpc.DependencyInfo
	for name, want := range all {
		version := want
		for _, nm := range nodeModulesDirs(dir) {
			if installed, err := readPackageJSON(filepath.Join(nm, name, "package.json")); err == nil {
				version = installed.Version
				break
			}
		}
		out = append(out, &pulumirpc.DependencyInfo{Name: name, Version: version})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"host": "cluster-fleet lab minimal nodejs host"},
	}, nil
}

type installWriter struct {
	server pulumirpc.LanguageRuntime_InstallDependenciesServer
	mu     *sync.Mutex
	stderr bool
}

func (w installWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	resp := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		resp = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.server.Send(resp); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer) error {
	dir := programDir(req.GetInfo(), req.GetDirectory())
	npm, err := exec.LookPath("npm")
	if err != nil {
		return status.Error(codes.FailedPrecondition, "could not find 'npm' on PATH")
	}
	mu := &sync.Mutex{}
	cmd := exec.CommandContext(server.Context(), npm, "install", "--no-fund", "--no-audit")
	cmd.Dir = dir
	cmd.Stdout = installWriter{server: server, mu: mu}
	cmd.Stderr = installWriter{server: server, mu: mu, stderr: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install in %s failed: %w", dir, err)
	}
	return nil
}
