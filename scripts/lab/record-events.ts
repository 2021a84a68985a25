// Re-records the pipeline driver's test fixtures (pipeline/fixtures/*.json) from the real Pulumi
// 3.248.0 engine of the lab (scripts/lab, README "Real-engine lab"):
//
//   scripts/lab/engine.sh            # once
//   node -r ts-node/register/transpile-only scripts/lab/record-events.ts [--keep-clusters]
//
// It starts two private clusters from scratch (rec-mgmt with every CRD, rec-workload; the
// mgmt/workload/e2e-* clusters are not touched), copies the program into a temp directory with its
// own file backend, passphrase and random secrets (test/e2e/support/project.ts), and runs the
// scenarios below through the Automation API, opening stacks with pipeline/workspace.ts like the
// driver does. Every EngineEvent is collected through onEvent, plus the CLI's exit code and stderr.
// scripts/lab/capi-sim.ts plays CAPI from the first `up` on.
//
// Before anything is written, machine-specific text (temp paths, LAB_HOME, the clusters' ports,
// the host name) is replaced and every fixture is scanned for the run's secrets (passphrase, config
// secrets, client keys, bearer tokens, the ServiceAccount token): one hit and nothing is written.
// The clusters are stopped and purged at the end (--keep-clusters leaves them running).
import { ChildProcess, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Deployment, EngineEvent } from "@pulumi/pulumi/automation";
import { types } from "../../components/constants";
import { cliExitCodeOf } from "../../pipeline/cliExitCode";
import type { EngineCommand } from "../../pipeline/args";
import { policyConfigFile, policyPackDir } from "../../pipeline/policyFiles";
import { runOperation, type StackOps } from "../../pipeline/region";
import { resolvePulumiCommand, stackOpener } from "../../pipeline/workspace";
import { waitFor } from "../../test/e2e/support/capiLab";
import { startCapiSim, stopCapiSims } from "../../test/e2e/support/capiSim";
import { Kube } from "../../test/e2e/support/kube";
import { LabProject, REPO_ROOT, prepareProject } from "../../test/e2e/support/project";
import { findLeaks } from "../../test/e2e/support/secretScan";

const MGMT = "rec-mgmt";
const WORKLOAD = "rec-workload";
const FIXTURES = path.join(REPO_ROOT, "pipeline", "fixtures");
const LAB_SCRIPTS = path.join(REPO_ROOT, "scripts", "lab");
/** Placeholders for the clusters' random loopback ports. */
const PORT_PLACEHOLDER: Record<string, string> = { [MGMT]: "16443", [WORKLOAD]: "26443" };
/** The replicas limit the admission policy of the failure scenario enforces. */
const MAX_WORKER_REPLICAS = 3;

interface Recording {
    readonly stack: string;
    readonly command: EngineCommand;
    readonly cliExitCode: number;
    readonly stderr?: string;
    readonly events: EngineEvent[];
    /** What the scenario is, for the fixture's _comment. */
    readonly scenario: string;
}

function log(msg: string): void {
    process.stderr.write(`[record-events] ${msg}\n`);
}

function sh(cmd: string, args: readonly string[], input?: string): string {
    const r = spawnSync(cmd, args, { encoding: "utf8", input, env: process.env });
    if (r.status !== 0) {
        throw new Error(`${path.basename(cmd)} ${args.join(" ")} failed:\n${r.stdout}${r.stderr}`);
    }
    return r.stdout;
}

/** The lab's PATH, PULUMI_HOME and PULUMI_* flags, as `engine.sh --print-env` sets them. */
function loadLabEnv(): string {
    const out = sh("bash", [
        "-c",
        `eval "$("${path.join(LAB_SCRIPTS, "engine.sh")}" --print-env)" && env -0`,
    ]);
    for (const entry of out.split("\0")) {
        const eq = entry.indexOf("=");
        if (eq > 0) {
            process.env[entry.slice(0, eq)] = entry.slice(eq + 1);
        }
    }
    const labHome = process.env.LAB_HOME ?? "";
    for (const b of ["pulumi", "kubectl", "kube-apiserver", "etcd"]) {
        if (!fs.existsSync(path.join(labHome, "bin", b))) {
            throw new Error(`lab engine not present in ${labHome} (no bin/${b}): run engine.sh`);
        }
    }
    return labHome;
}

interface LabCluster {
    readonly name: string;
    readonly kubeconfig: string;
    readonly port: string;
    /** Files whose contents are secrets (client key, static bearer token). */
    readonly secretFiles: readonly string[];
}

function clusterEnv(name: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const m of sh(path.join(LAB_SCRIPTS, "cluster.sh"), ["env", name]).matchAll(
        /^export (\w+)='([^']*)'$/gm,
    )) {
        env[m[1]] = m[2];
    }
    return env;
}

/** The controller manager's pid file names a live process. */
function kcmAlive(name: string): boolean {
    const pidFile = path.join(process.env.LAB_HOME ?? "", "state", name, "kcm.pid");
    try {
        process.kill(Number(fs.readFileSync(pidFile, "utf8").trim()), 0);
        return true;
    } catch {
        return false;
    }
}

function startCluster(name: string, crds: boolean): LabCluster {
    const cluster = path.join(LAB_SCRIPTS, "cluster.sh");
    // cluster.sh does not notice a controller manager that died at start (e.g. its random port
    // was taken meanwhile); without its token controller the up would wait forever. Retry fresh.
    for (let attempt = 1; ; attempt++) {
        spawnSync(cluster, ["down", name, "--purge"], { stdio: "ignore" });
        sh(cluster, ["up", name, ...(crds ? ["--crds"] : [])]);
        spawnSync("sleep", ["3"]);
        if (kcmAlive(name)) break;
        if (attempt === 3) {
            throw new Error(`${name}: kube-controller-manager does not stay up (see its kcm.log)`);
        }
        log(`${name}: kube-controller-manager died at start, starting the cluster afresh`);
    }
    const prefix = `LAB_${name.toUpperCase().replace(/-/g, "_")}_`;
    const env = clusterEnv(name);
    const kubeconfig = env[`${prefix}KUBECONFIG`];
    const port = new URL(env[`${prefix}SERVER`]).port;
    const pki = path.dirname(env[`${prefix}CA_FILE`]);
    const secretFiles = fs
        .readdirSync(pki)
        .filter((f) => f.endsWith(".key") || f.endsWith(".token"))
        .map((f) => path.join(pki, f));
    return { name, kubeconfig, port, secretFiles };
}

function stopCluster(name: string): void {
    spawnSync(path.join(LAB_SCRIPTS, "cluster.sh"), ["down", name, "--purge"], {
        stdio: "ignore",
    });
}

/** Distinctive pieces of a secret file: PEM body lines, or the whole value. */
function needlesOf(text: string): string[] {
    const pemLines = text.split("\n").filter((l) => /^[A-Za-z0-9+/]{40,}={0,2}$/.test(l));
    return pemLines.length > 0 ? pemLines : [text.trim()];
}

/**
 * Operation options that collect every event and the CLI's stderr. `abortWhen` is checked on each
 * event; the first match aborts the run the way the driver does on SIGINT (the SDK sends the CLI
 * SIGINT).
 */
function eventCollector(name: string, abortWhen?: (e: EngineEvent) => boolean) {
    const events: EngineEvent[] = [];
    const stderr: string[] = [];
    const ac = new AbortController();
    const options = {
        onEvent: (e: EngineEvent) => {
            events.push(e);
            if (abortWhen && !ac.signal.aborted && abortWhen(e)) {
                log(`${name}: aborting (SIGINT to the CLI) at event ${e.sequence}`);
                ac.abort();
            }
        },
        onError: (t: string) => stderr.push(t),
        signal: ac.signal,
        color: "never" as const,
    };
    return { events, stderr, options };
}

class Recorder {
    readonly recordings = new Map<string, Recording>();
    state?: Deployment;

    constructor(
        private readonly p: LabProject,
        private readonly open: (stack: string, command: EngineCommand) => Promise<StackOps>,
    ) {}

    /** Runs one operation with every event collected (see eventCollector for `abortWhen`). */
    async record(
        name: string,
        scenario: string,
        stack: string,
        command: EngineCommand,
        opts: { expectNoChanges?: boolean; abortWhen?: (e: EngineEvent) => boolean } = {},
    ): Promise<Recording> {
        log(`${name}: ${command} ${stack} (${scenario})`);
        const started = Date.now();
        const { events, stderr, options } = eventCollector(name, opts.abortWhen);
        const cliExitCode = await this.run(name, stack, command, options, opts.expectNoChanges);
        const text = stderr.join("");
        const rec: Recording = {
            stack,
            command,
            cliExitCode,
            ...(text.trim() ? { stderr: text } : {}),
            events: events.sort((a, b) => a.sequence - b.sequence),
            scenario,
        };
        log(
            `${name}: exit ${cliExitCode}, ${events.length} events, ` +
                `${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        this.recordings.set(name, rec);
        return rec;
    }

    /** The CLI's exit code: 0, or the one it failed with (any other error is thrown). */
    private async run(
        name: string,
        stack: string,
        command: EngineCommand,
        common: ReturnType<typeof eventCollector>["options"],
        expectNoChanges: boolean | undefined,
    ): Promise<number> {
        const policy = () => ({
            policyPacks: [policyPackDir(this.p.workDir)],
            policyPackConfigs: [policyConfigFile(this.p.workDir, stack)],
        });
        try {
            const ops = await this.open(stack, command);
            await runOperation(ops, command, common, policy, expectNoChanges);
            if (command === "up" && name === "up-dev-success") {
                this.state = await ops.exportStack();
            }
            return 0;
        } catch (err) {
            const code = cliExitCodeOf(err);
            if (code === undefined) {
                throw err;
            }
            return code;
        }
    }
}

function setWorkerReplicas(stackFile: string, from: number, to: number): void {
    const text = fs.readFileSync(stackFile, "utf8");
    const needle = `{name: general, replicas: ${from},`;
    if (!text.includes(needle)) {
        throw new Error(`${stackFile}: no '${needle}' to edit`);
    }
    fs.writeFileSync(stackFile, text.replace(needle, `{name: general, replicas: ${to},`));
}

/** A ValidatingAdmissionPolicy of the management cluster: at most N replicas per pool. */
function workerLimitPolicy(namespace: string): string {
    const name = "fleet-max-worker-replicas";
    return JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
            {
                apiVersion: "admissionregistration.k8s.io/v1",
                kind: "ValidatingAdmissionPolicy",
                metadata: { name },
                spec: {
                    failurePolicy: "Fail",
                    matchConstraints: {
                        resourceRules: [
                            {
                                apiGroups: ["cluster.x-k8s.io"],
                                apiVersions: ["*"],
                                operations: ["CREATE", "UPDATE"],
                                resources: ["machinedeployments"],
                            },
                        ],
                    },
                    validations: [
                        {
                            expression: `!has(object.spec.replicas) || object.spec.replicas <= ${MAX_WORKER_REPLICAS}`,
                            message: `worker pools on this management cluster are limited to ${MAX_WORKER_REPLICAS} replicas (capacity plan)`,
                        },
                    ],
                },
            },
            {
                apiVersion: "admissionregistration.k8s.io/v1",
                kind: "ValidatingAdmissionPolicyBinding",
                metadata: { name },
                spec: {
                    policyName: name,
                    validationActions: ["Deny"],
                    matchResources: {
                        namespaceSelector: {
                            matchLabels: { "kubernetes.io/metadata.name": namespace },
                        },
                    },
                },
            },
        ],
    });
}

/** Replaces machine-specific text: temp paths, LAB_HOME, repo and home paths, ports, host name. */
function scrubber(p: LabProject, labHome: string, clusters: readonly LabCluster[]) {
    const pairs: [string, string][] = [
        [p.root, "/tmp/record-events"],
        [labHome, "/lab-home"],
        [REPO_ROOT, "/repo"],
        // A worktree may link node_modules to another checkout; the SDK's frames name its real path.
        [path.dirname(fs.realpathSync(path.join(REPO_ROOT, "node_modules"))), "/repo"],
        [os.homedir(), "/home/lab"],
        [os.tmpdir(), "/tmp"],
    ];
    for (const c of clusters) {
        for (const host of ["127.0.0.1", "localhost"]) {
            pairs.push([`${host}:${c.port}`, `${host}:${PORT_PLACEHOLDER[c.name]}`]);
        }
    }
    const host = os.hostname();
    return (text: string): string => {
        let out = text;
        for (const [from, to] of pairs) {
            if (from.length > 1) out = out.split(from).join(to);
        }
        if (host.length >= 4) {
            out = out.replace(
                new RegExp(`\\b${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "g"),
                "lab-host",
            );
        }
        return out;
    };
}

/**
 * The exported state as the driver reads it: manifest, secrets provider (salt removed) and the root
 * stack resource. `stack export --show-secrets` prints secrets as {sig, plaintext}; every plaintext
 * is replaced by a placeholder that says so, keeping the signature the driver masks on.
 */
function scrubState(d: Deployment): { deployment: Deployment; plaintexts: number } {
    let plaintexts = 0;
    const walk = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(walk);
        if (v !== null && typeof v === "object") {
            const o: Record<string, unknown> = {};
            for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
                if (k === "plaintext" || k === "ciphertext") {
                    plaintexts += k === "plaintext" ? 1 : 0;
                    o[k] =
                        k === "plaintext"
                            ? JSON.stringify("[scrubbed by record-events]")
                            : "v1:scrubbed";
                } else {
                    o[k] = walk(x);
                }
            }
            return o;
        }
        return v;
    };
    const inner = d.deployment as {
        manifest?: unknown;
        secrets_providers?: { type?: string };
        resources?: { type?: string; urn?: string }[];
    };
    const deployment = {
        version: d.version,
        deployment: {
            manifest: inner.manifest,
            secrets_providers: { type: inner.secrets_providers?.type, state: { salt: "scrubbed" } },
            resources: (inner.resources ?? [])
                .filter(
                    (r) =>
                        r.type === "pulumi:pulumi:Stack" ||
                        (r.type === types.Secret && /argocd-cluster$/.test(String(r.urn))),
                )
                .map(walk),
        },
    } as Deployment;
    return { deployment, plaintexts };
}

function sortedJson(value: unknown): string {
    const sort = (v: unknown): unknown => {
        if (Array.isArray(v)) return v.map(sort);
        if (v !== null && typeof v === "object") {
            return Object.fromEntries(
                Object.keys(v as object)
                    .sort()
                    .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
            );
        }
        return v;
    };
    return JSON.stringify(sort(value), null, 4) + "\n";
}

/** Points the CLI at the project copy and opens its stacks the way the driver does. */
async function labRecorder(p: LabProject, mgmt: Kube, labHome: string): Promise<Recorder> {
    // The CLI the Automation API starts inherits the passphrase and backend from here.
    Object.assign(process.env, p.env);
    const ns = await mgmt.kubectl(["create", "namespace", "argocd"]);
    if (ns.code !== 0) throw new Error(ns.stderr);

    const pulumiCommand = await resolvePulumiCommand(labHome);
    const envVars = {
        PULUMI_BACKEND_URL: p.env.PULUMI_BACKEND_URL ?? "",
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
    const workDir = p.workDir;
    return new Recorder(p, (stack, command) =>
        stackOpener({ workDir, stack, command, pulumiCommand, envVars })(),
    );
}

async function recordPreviews(rec: Recorder): Promise<void> {
    await rec.record("preview-dev-changes", "first preview of the lab stack", "lab", "preview");
    await rec.record(
        "preview-prod-mandatory",
        "preview of lab-strict (the lab region as prod with one control-plane node, prod policy levels)",
        "lab-strict",
        "preview",
    );
}

/** capi-sim playing CAPI for the lab stack, without controllers (see its header). */
function startSim(p: LabProject, mgmt: Kube, workload: Kube): ChildProcess {
    return startCapiSim(
        [
            "--management-kubeconfig",
            mgmt.kubeconfig,
            "--workload-kubeconfig",
            workload.kubeconfig,
            "--delay-seconds",
            "8",
            "--max-seconds",
            "3600",
        ],
        path.join(p.logDir, "capi-sim.log"),
    );
}

/** The cancelled up, the up that succeeds, and the no-changes preview and drift check after it. */
async function recordUps(rec: Recorder): Promise<void> {
    await rec.record(
        "up-dev-cancelled",
        "first up of the lab stack, aborted through the Automation API signal (SIGINT to the CLI) when the API-server readiness wait starts",
        "lab",
        "up",
        {
            abortWhen: (e) =>
                e.resourcePreEvent?.metadata.type === types.ApiServerReady &&
                e.resourcePreEvent.metadata.op === "create",
        },
    );
    await rec.record(
        "up-dev-success",
        "up of the lab stack after the cancelled one (capi-sim plays CAPI)",
        "lab",
        "up",
    );
    await rec.record(
        "preview-dev-nochanges",
        "preview --expect-no-changes right after up",
        "lab",
        "preview",
        { expectNoChanges: true },
    );
    await rec.record(
        "drift-dev-clean",
        "refresh --preview-only --expect-no-changes, no drift",
        "lab",
        "drift",
    );
}

/**
 * Drift: a hand edit of a field the program owns. (A label added by another field manager is no
 * drift: the provider's server-side-apply read leaves fields of other managers out of the inputs
 * the refresh compares.)
 */
async function recordDrift(rec: Recorder, mgmt: Kube): Promise<void> {
    const pools = await mgmt.kubectl([
        "get",
        "-n",
        "capi-clusters",
        "inclusterippools",
        "-o",
        "name",
    ]);
    const pool = pools.stdout.trim().split("\n")[0];
    if (pools.code !== 0 || !pool) throw new Error(`no InClusterIPPool: ${pools.stderr}`);
    const edit = JSON.stringify({ spec: { gateway: "10.99.0.2" } });
    const patched = await mgmt.kubectl([
        "patch",
        "-n",
        "capi-clusters",
        pool,
        "--type",
        "merge",
        "-p",
        edit,
    ]);
    if (patched.code !== 0) throw new Error(patched.stderr);
    await rec.record(
        "drift-prod-changed",
        `refresh --preview-only --expect-no-changes after \`kubectl patch ${pool} --type merge -p '${edit}'\``,
        "lab",
        "drift",
    );
}

/** Applies workerLimitPolicy and waits until the API server enforces it (a dry run is rejected). */
async function limitWorkerReplicas(mgmt: Kube): Promise<void> {
    const vap = await mgmt.kubectl(["apply", "-f", "-"], workerLimitPolicy("capi-clusters"));
    if (vap.code !== 0) throw new Error(vap.stderr);
    const [md] = await mgmt.get(["-n", "capi-clusters", "machinedeployments.cluster.x-k8s.io"]);
    await waitFor("the admission policy to reject", 60_000, async () => {
        const r = await mgmt.kubectl([
            "patch",
            "--dry-run=server",
            "-n",
            "capi-clusters",
            "--type",
            "merge",
            `machinedeployments.cluster.x-k8s.io/${md.metadata.name}`,
            "-p",
            JSON.stringify({ spec: { replicas: MAX_WORKER_REPLICAS + 2 } }),
        ]);
        return r.code !== 0 && /fleet-max-worker-replicas/.test(r.stderr) ? true : undefined;
    });
}

/** Failure: the management cluster's admission policy rejects a MachineDeployment update. */
async function recordFailure(rec: Recorder, mgmt: Kube, stackFile: string): Promise<void> {
    await limitWorkerReplicas(mgmt);
    setWorkerReplicas(stackFile, 2, MAX_WORKER_REPLICAS + 2);
    await rec.record(
        "up-prod-failure",
        `up of the lab stack with the general pool at ${MAX_WORKER_REPLICAS + 2} replicas; a ValidatingAdmissionPolicy of the management cluster allows at most ${MAX_WORKER_REPLICAS}`,
        "lab",
        "up",
    );
    setWorkerReplicas(stackFile, MAX_WORKER_REPLICAS + 2, 2);
}

/** The run's secrets: the project's, the ServiceAccount token, the clusters' keys and tokens. */
async function secretNeedles(
    p: LabProject,
    workload: Kube,
    clusters: readonly LabCluster[],
): Promise<Record<string, string>> {
    const needles: Record<string, string> = { ...p.secrets };
    const [token] = await workload.get(["-n", "kube-system", "secret/argocd-manager-token"]);
    const tok = (token.data as Record<string, string>).token;
    needles["SA token (base64)"] = tok;
    needles["SA token"] = Buffer.from(tok, "base64").toString("utf8");
    for (const c of clusters) {
        for (const f of c.secretFiles) {
            needlesOf(fs.readFileSync(f, "utf8")).forEach(
                (n, i) => (needles[`${c.name} ${path.basename(f)} #${i}`] = n),
            );
        }
    }
    return needles;
}

const HOW =
    "Re-record: scripts/lab/engine.sh, then node -r ts-node/register/transpile-only scripts/lab/record-events.ts";

/**
 * One recording as a fixture. The Node SDK logs every RegisterResource response at debug level,
 * decrypted secret outputs included, and the engine streams those diagnostics to onEvent: they
 * are left out.
 */
function eventsFixture(r: Recording, date: string): Record<string, unknown> {
    const events = r.events.filter(
        (e) => (e.diagnosticEvent?.severity as string | undefined) !== "debug",
    );
    const dropped = r.events.length - events.length;
    return {
        _comment: `Recorded from the real Pulumi 3.248.0 engine by scripts/lab/record-events.ts on ${date}: ${r.scenario}. Temp paths, ports and the host name are replaced; the ${dropped} debug diagnostics are left out (the SDK's debug log carries plaintext secret outputs). ${HOW}.`,
        cliExitCode: r.cliExitCode,
        command: r.command,
        events,
        stack: r.stack,
        ...(r.stderr !== undefined ? { stderr: r.stderr } : {}),
    };
}

/** The state exported after up, scrubbed (scrubState), as a fixture. */
function stateFixture(state: Deployment, date: string): Record<string, unknown> {
    const { deployment, plaintexts } = scrubState(state);
    return {
        _comment: `\`pulumi stack export --show-secrets\` (what the Automation API's exportStack runs) of the lab stack after up, recorded from the real Pulumi 3.248.0 engine by scripts/lab/record-events.ts on ${date}. Only the root stack resource and the Argo CD cluster Secret (secret outputs) are kept; each of the ${plaintexts} secret plaintexts is replaced by a placeholder (the secret signature stays), the salt and ciphertexts are scrubbed. ${HOW}.`,
        deployment,
    };
}

/** Fixture name → scrubbed text: every recording, then the state after up. */
function fixtureTexts(rec: Recorder, scrub: (text: string) => string, date: string) {
    const files = new Map<string, string>();
    for (const [name, r] of rec.recordings) {
        files.set(name, scrub(sortedJson(eventsFixture(r, date))));
    }
    if (!rec.state) throw new Error("no state exported after up");
    files.set("state-dev-after-up", scrub(sortedJson(stateFixture(rec.state, date))));
    return files;
}

/** "<secret> in <fixture>" for each secret of 16 chars or more, or its base64, in a fixture. */
function leaksIn(
    files: ReadonlyMap<string, string>,
    needles: Readonly<Record<string, string>>,
): string[] {
    const all: Record<string, string> = { ...needles };
    for (const [what, value] of Object.entries(needles)) {
        all[`${what} (base64)`] = Buffer.from(value).toString("base64");
    }
    const long = Object.fromEntries(Object.entries(all).filter(([, v]) => v.length >= 16));
    const texts = [...files].map(([where, text]) => ({ where, text, decompressed: false }));
    return findLeaks(texts, long).map((l) => `${l.secret} in ${l.where}`);
}

/** Keeps the fixtures in the temp root (removed with it) so the leak can be inspected. */
function quarantine(files: ReadonlyMap<string, string>, p: LabProject, leaks: string[]): void {
    const dir = path.join(p.root, "leaked");
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of files) {
        fs.writeFileSync(path.join(dir, `${name}.json`), text);
    }
    log(`secrets found, nothing written to pipeline/fixtures: ${leaks.join(", ")}`);
    log(`the fixtures are in ${dir} for inspection; delete it afterwards`);
}

/** Scans, then writes: nothing is written if any secret made it through (exit status 1). */
function writeFixtures(
    files: ReadonlyMap<string, string>,
    needles: Readonly<Record<string, string>>,
    p: LabProject,
): number {
    const leaks = leaksIn(files, needles);
    if (leaks.length > 0) {
        quarantine(files, p, leaks);
        return 1;
    }
    for (const [name, text] of files) {
        fs.writeFileSync(path.join(FIXTURES, `${name}.json`), text);
        log(`wrote pipeline/fixtures/${name}.json`);
    }
    sh(path.join(REPO_ROOT, "node_modules", ".bin", "prettier"), [
        "--write",
        ...[...files.keys()].map((n) => path.join(FIXTURES, `${n}.json`)),
    ]);
    fs.rmSync(p.root, { recursive: true, force: true });
    return 0;
}

async function main(): Promise<number> {
    const keep = process.argv.includes("--keep-clusters");
    const labHome = loadLabEnv();
    const date = new Date().toISOString().slice(0, 10);
    let sim: ChildProcess | undefined;
    let p: LabProject | undefined;
    try {
        log(`starting ${MGMT} (with CRDs) and ${WORKLOAD}`);
        const clusters = [startCluster(MGMT, true), startCluster(WORKLOAD, false)];
        const kubectl = path.join(labHome, "bin", "kubectl");
        const mgmt = new Kube("management", clusters[0].kubeconfig, kubectl);
        const workload = new Kube("workload", clusters[1].kubeconfig, kubectl);
        p = await prepareProject(mgmt.kubeconfig, path.join(labHome, "bin", "pulumi"));
        const rec = await labRecorder(p, mgmt, labHome);

        await recordPreviews(rec);
        sim = startSim(p, mgmt, workload);
        await recordUps(rec);
        await recordDrift(rec, mgmt);
        await recordFailure(rec, mgmt, path.join(p.workDir, "Pulumi.lab.yaml"));
        // Needles read before destroy removes the token.
        const needles = await secretNeedles(p, workload, clusters);
        await rec.record("destroy-dev", "destroy of the lab stack", "lab", "destroy");

        // Scrub, scan, then write.
        const files = fixtureTexts(rec, scrubber(p, labHome, clusters), date);
        return writeFixtures(files, needles, p);
    } finally {
        await stopCapiSims([sim]);
        if (p && fs.existsSync(p.root)) log(`kept for diagnosis: ${p.root}`);
        if (!keep) {
            stopCluster(WORKLOAD);
            stopCluster(MGMT);
        }
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        log(`failed: ${(err as Error).stack ?? String(err)}`);
        process.exit(1);
    },
);
