// Faults in the real engine and a shared S3 state backend (issue 10 item 6, issue 11 item 5), run
// through the pipeline driver. Started by scripts/lab/faults.sh (npm run test:faults), which
// starts private clusters faults-mgmt (CRDs), faults-workload, faults-workload-b and an S3 store
// (scripts/lab/s3.sh up faults-s3), and wipes them again. Separate from the main e2e, which stays
// short.
//
// Two CAPI simulators run throughout: one per region namespace, each pointing its clusters'
// kubeconfig Secrets at its own workload API server.
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ExitCode } from "../../pipeline/exitCodes";
import type { RunSummary } from "../../pipeline/summary";
import {
    MANAGEMENT_KINDS,
    WORKLOAD_KINDS,
    assertConverged,
    type ClusterView,
    type StackState,
    type StateResource,
} from "./support/convergence";
import { driverArgv } from "./support/driver";
import { Kube } from "./support/kube";
import { RunResult, Started, run, start, tail } from "./support/process";
import { LabProject, REPO_ROOT, prepareProject, regionStackFile, labEnv } from "./support/project";
import {
    OutputCapture,
    filesUnder,
    findLeaks,
    scanRunnerOutputAtExit,
    scannableTexts,
} from "./support/secretScan";
import { startCapiSim, stopCapiSims } from "./support/capiSim";

const runnerOutput = new OutputCapture().start();
const SUITE_TITLE = "faults on the real engine, through the pipeline driver";
const needles: Record<string, string> = {};
/** A project's secrets, under names of their own (each project has a passphrase etc.). */
function addNeedles(p: LabProject): void {
    const tag = path.basename(p.root);
    for (const [k, v] of Object.entries(p.secrets)) needles[`${k} (${tag})`] = v;
}
scanRunnerOutputAtExit(runnerOutput, needles, SUITE_TITLE);

/** The simulators hold each kubeconfig Secret back this long: up is mid-way for that time. */
const SIM_DELAY_SECONDS = 10;

const requireEnv = labEnv("through scripts/lab/faults.sh (npm run test:faults)");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(
    what: string,
    cond: () => boolean | Promise<boolean>,
    timeoutMs: number,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (await cond()) return;
        assert.ok(
            Date.now() < deadline,
            `timed out after ${timeoutMs / 1000}s waiting for ${what}`,
        );
        await sleep(250);
    }
}

/** True while any process of the group runs. */
function groupAlive(pgid: number): boolean {
    try {
        process.kill(-pgid, 0);
        return true;
    } catch {
        return false;
    }
}

interface DriverStart {
    readonly started: Started;
    readonly summaryPath: string;
    readonly label: string;
}

interface DriverRun {
    readonly result: RunResult;
    readonly summary: RunSummary;
    /** stderr: engine output and the driver's own lines (recovery, per-region results). */
    readonly stderr: string;
}

describe(SUITE_TITLE, function () {
    this.timeout(40 * 60_000);

    const labHome = requireEnv("LAB_HOME");
    const pulumiBin = path.join(labHome, "bin", "pulumi");
    const kubectlBin = path.join(labHome, "bin", "kubectl");
    const logRoot = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-fleet-faults-"));
    let mgmt: Kube;
    let workload: Kube;
    let workloadB: Kube;
    let views: ClusterView[];
    const sims: ChildProcess[] = [];
    let step = 0;

    function startDriver(
        p: LabProject,
        command: string,
        stack: string,
        extra: string[] = [],
    ): DriverStart {
        step += 1;
        const label = `${String(step).padStart(2, "0")}-${command}-${stack}`;
        const summaryPath = path.join(p.outDir, `${label}.json`);
        const started = start(
            process.execPath,
            driverArgv(p, labHome, label, command, stack, extra),
            {
                cwd: REPO_ROOT,
                env: p.env,
                timeoutMs: 15 * 60_000,
                logFile: path.join(p.logDir, `${label}.log`),
                // Its own process group: a kill reaches the CLI and its plugins as well.
                detached: true,
            },
        );
        return { started, summaryPath, label };
    }

    /** Waits for the driver; its exit status and its summary's exitCode must be `expectExit`. */
    async function finish(d: DriverStart, expectExit: number): Promise<DriverRun> {
        const result = await d.started.result;
        assert.equal(result.timedOut, false, `${d.label} timed out:\n${tail(result)}`);
        assert.ok(fs.existsSync(d.summaryPath), `${d.label} wrote no summary:\n${tail(result)}`);
        const summary = JSON.parse(fs.readFileSync(d.summaryPath, "utf8")) as RunSummary;
        assert.equal(
            summary.exitCode,
            expectExit,
            `${d.label}: summary exitCode\n${tail(result, 80)}`,
        );
        assert.equal(result.code, expectExit, `${d.label}: exit status\n${tail(result, 80)}`);
        return { result, summary, stderr: result.stderr };
    }

    const driver = (
        p: LabProject,
        command: string,
        stack: string,
        expectExit: number,
        extra: string[] = [],
    ) => finish(startDriver(p, command, stack, extra), expectExit);

    async function exportState(p: LabProject, stack: string): Promise<StackState> {
        const r = await run(pulumiBin, ["stack", "export", "--stack", stack, "--non-interactive"], {
            cwd: p.workDir,
            env: p.env,
            timeoutMs: 120_000,
        });
        assert.equal(r.code, 0, `pulumi stack export ${stack} failed:\n${tail(r)}`);
        return (JSON.parse(r.stdout) as { deployment: StackState }).deployment;
    }

    /** Which API server a state resource lives in, from its Kubernetes provider's name. */
    function clusterOf(r: StateResource): Kube {
        const provider = r.provider ?? "";
        if (/::labb-apps-workload::/.test(provider)) return workloadB;
        if (/::lab-apps-workload::/.test(provider)) return workload;
        return mgmt;
    }

    async function converged(p: LabProject, stacks: string[]): Promise<void> {
        const states = await Promise.all(stacks.map((s) => exportState(p, s)));
        const keys = await assertConverged(states, clusterOf, views);
        assert.ok(keys.length > 10, `only ${keys.length} objects`);
        process.stderr.write(`      converged: ${keys.length} objects, each once, no orphan\n`);
        for (const s of stacks) {
            const d = await driver(p, "preview", s, ExitCode.Ok, ["--expect-no-changes"]);
            const c = d.summary.regions[0].changes;
            assert.deepEqual([c.create, c.update, c.delete, c.replace], [0, 0, 0, 0]);
        }
    }

    /** A CAPI simulator for one region namespace, writing kubeconfigs for `wl`. */
    function startSim(namespace: string, wl: Kube): void {
        sims.push(
            startCapiSim(
                [
                    "--management-kubeconfig",
                    mgmt.kubeconfig,
                    "--workload-kubeconfig",
                    wl.kubeconfig,
                    "--namespace",
                    namespace,
                    "--delay-seconds",
                    String(SIM_DELAY_SECONDS),
                    "--max-seconds",
                    "3600",
                ],
                path.join(logRoot, `capi-sim-${namespace}.log`),
            ),
        );
    }

    async function destroyAndCheckEmpty(p: LabProject, stacks: string[]): Promise<void> {
        await Promise.all(stacks.map((s) => driver(p, "destroy", s, ExitCode.Ok, ["--yes"])));
        const left = await assertConverged(
            stacks.map(() => ({ resources: [] })),
            clusterOf,
            views,
        );
        assert.deepEqual(left, []);
        // The region namespaces carry no label, so no field manager marks them: check by name.
        const namespaces = await mgmt.get(["namespaces", "capi-clusters", "capi-b"], true);
        assert.deepEqual(
            namespaces.map((n) => n.metadata.name),
            [],
            "region namespaces left",
        );
    }

    before(async function () {
        mgmt = new Kube("management", requireEnv("LAB_FAULTS_MGMT_KUBECONFIG"), kubectlBin);
        workload = new Kube("workload", requireEnv("LAB_FAULTS_WORKLOAD_KUBECONFIG"), kubectlBin);
        workloadB = new Kube(
            "workload-b",
            requireEnv("LAB_FAULTS_WORKLOAD_B_KUBECONFIG"),
            kubectlBin,
        );
        views = [
            { kube: mgmt, kinds: MANAGEMENT_KINDS },
            { kube: workload, kinds: WORKLOAD_KINDS },
            { kube: workloadB, kinds: WORKLOAD_KINDS },
        ];
        const ns = await mgmt.kubectl(["create", "namespace", "argocd"]);
        assert.equal(ns.code, 0, ns.stderr);
        startSim("capi-clusters", workload);
        startSim("capi-b", workloadB);
        process.stderr.write(`      faults logs: ${logRoot}\n`);
    });

    after(async function () {
        await stopCapiSims(sims, 2000);
    });

    describe("file backend", function () {
        let p: LabProject;

        /** The stack's state file and lock files in the project's file:// backend. */
        const bookkeeping = () => path.join(p.stateDir, ".pulumi");
        // The lock objects (fileblob keeps a `.attrs` file beside each).
        const lockFiles = () =>
            filesUnder(path.join(bookkeeping(), "locks")).filter((f) => f.endsWith(".json"));
        function pendingInStateFile(): string[] {
            const f = filesUnder(path.join(bookkeeping(), "stacks")).find(
                (x) => path.basename(x) === "lab.json",
            );
            if (!f) return [];
            try {
                const doc = JSON.parse(fs.readFileSync(f, "utf8")) as {
                    checkpoint?: {
                        latest?: { pending_operations?: { resource: { urn: string } }[] };
                    };
                };
                return (doc.checkpoint?.latest?.pending_operations ?? []).map(
                    (o) => o.resource.urn,
                );
            } catch {
                return []; // caught mid-write; the next poll reads it whole
            }
        }

        before(async function () {
            p = await prepareProject(mgmt.kubeconfig, pulumiBin, undefined, {
                stacks: ["lab"],
            });
            addNeedles(p);
        });

        it("SIGKILL during up: the rerun names the interrupted operations and the dead CLI's lock, repairs them and converges", async () => {
            const killed = startDriver(p, "up", "lab");
            const pid = killed.started.child.pid;
            assert.ok(pid, "no pid");
            // Creation is under way once the Cluster exists and the state records operations
            // in flight (the simulator still holds the kubeconfig Secret back).
            await waitFor(
                "the Cluster in the management API server",
                async () =>
                    (
                        await mgmt.get(
                            ["-n", "capi-clusters", "clusters.cluster.x-k8s.io/lab-apps"],
                            true,
                        )
                    ).length === 1,
                10 * 60_000,
            );
            await waitFor(
                "pending operations in the state file",
                () => pendingInStateFile().length > 0,
                60_000,
            );
            process.kill(-pid, "SIGKILL");
            const r = await killed.started.result;
            assert.equal(r.signal, "SIGKILL");
            await waitFor("the killed process group to be gone", () => !groupAlive(pid), 30_000);
            const pending = pendingInStateFile();
            const locks = lockFiles();
            process.stderr.write(
                `      killed with ${pending.length} pending operation(s): ${pending.join(", ")}\n`,
            );
            assert.ok(pending.length > 0, "the kill left no pending operation");
            assert.equal(locks.length, 1, "the killed CLI's lock file");
            const lock = JSON.parse(fs.readFileSync(locks[0], "utf8")) as { pid: number };

            const d = await driver(p, "up", "lab", ExitCode.Ok);
            const said = (d.summary.regions[0].recovery ?? []).join("\n");
            assert.match(
                said,
                new RegExp(`interrupted; the state holds ${pending.length} pending operation`),
            );
            for (const urn of pending) {
                assert.ok(said.includes(urn), `recovery does not name ${urn}`);
            }
            assert.match(said, /refresh --clear-pending-creates --stack lab/);
            assert.match(said, new RegExp(`no longer runs on this host: .*pid ${lock.pid}`));
            assert.match(said, /pulumi cancel --stack lab/);
            assert.match(said, /no pending operations left; running up/);
            assert.match(d.stderr, /\[lab\] recovery: lab: an earlier update was interrupted/);
            assert.deepEqual(lockFiles(), [], "a lock was left behind");
            await converged(p, ["lab"]);
        });

        it("two drivers run up on one stack at once: the second fails at once with the lock message, the first completes", async () => {
            const first = startDriver(p, "up", "lab");
            const pgid = first.started.child.pid;
            assert.ok(pgid);
            await waitFor("the first up's lock", () => lockFiles().length === 1, 5 * 60_000);
            const lock = JSON.parse(fs.readFileSync(lockFiles()[0], "utf8")) as { pid: number };
            // Hold the first update where it owns the lock (its whole process group), so the
            // second surely meets it; it continues afterwards.
            process.kill(-pgid, "SIGSTOP");
            let second: DriverRun;
            const t0 = Date.now();
            try {
                second = await driver(p, "up", "lab", ExitCode.Failure);
            } finally {
                process.kill(-pgid, "SIGCONT");
            }
            const ms = Date.now() - t0;
            const text = second.summary.regions[0].errors.map((e) => e.message).join("\n");
            assert.match(
                text,
                new RegExp(
                    `lab is locked by another update that may still be running: .*pid ${lock.pid}`,
                ),
            );
            assert.match(text, /Nothing was changed/);
            assert.equal(
                second.summary.regions[0].recovery,
                undefined,
                "the live lock was touched",
            );
            process.stderr.write(
                `      the second driver failed after ${(ms / 1000).toFixed(1)}s\n`,
            );
            assert.ok(ms < 90_000, `the second driver took ${ms} ms to fail`);
            const done = await finish(first, ExitCode.Ok);
            assert.equal(done.summary.regions[0].result, "ok");
            assert.deepEqual(lockFiles(), []);
            await converged(p, ["lab"]);
        });

        it("the management API server stops in the middle of up: a failure naming it; once it is back a rerun converges", async () => {
            await destroyAndCheckEmpty(p, ["lab"]);
            const pidFile = path.join(path.dirname(mgmt.kubeconfig), "apiserver.pid");
            const apiserverPid = Number(fs.readFileSync(pidFile, "utf8").trim());
            assert.equal(
                fs.readlinkSync(`/proc/${apiserverPid}/exe`),
                fs.realpathSync(path.join(labHome, "bin", "kube-apiserver")),
            );
            const up = startDriver(p, "up", "lab");
            await waitFor(
                "the first object of up in the management API server",
                async () => (await mgmt.get(["namespace", "capi-clusters"], true)).length === 1,
                10 * 60_000,
            );
            // A graceful stop; the process exits once open requests and watches are drained
            // (62 s measured on an idle lab cluster).
            process.kill(apiserverPid, "SIGTERM");
            await waitFor(
                "the management API server to stop",
                () => !fs.existsSync(`/proc/${apiserverPid}`),
                180_000,
            );
            try {
                const failed = await finish(up, ExitCode.Failure);
                const errors = failed.summary.regions[0].errors.map((e) => e.message);
                process.stderr.write(`      up failed with: ${errors[0]}\n`);
                // Named by URL when a Kubernetes call failed, by role when the readiness wait
                // (which polls the management API server for the kubeconfig Secret) did.
                const url = mgmt.target.server.replace(/[.]/g, "\\.");
                assert.match(
                    errors[0],
                    new RegExp(
                        `^cannot reach (the server at ${url}|the management API server) \\((connection refused|ECONNREFUSED)\\)`,
                    ),
                );
            } finally {
                const back = await run(
                    path.join(REPO_ROOT, "scripts", "lab", "cluster.sh"),
                    ["up", path.basename(path.dirname(mgmt.kubeconfig))],
                    { cwd: REPO_ROOT, env: process.env, timeoutMs: 5 * 60_000 },
                );
                assert.equal(back.code, 0, tail(back));
            }
            await driver(p, "up", "lab", ExitCode.Ok);
            await converged(p, ["lab"]);
            await destroyAndCheckEmpty(p, ["lab"]);
        });
    });

    describe("shared S3 backend (versitygw)", function () {
        let p: LabProject;
        let s3: Record<string, string>;
        const bucketDir = () => path.join(s3.LAB_S3_DATA_DIR, s3.LAB_S3_BUCKET);
        const lockFiles = () =>
            filesUnder(path.join(bucketDir(), ".pulumi", "locks")).filter((f) =>
                f.endsWith(".json"),
            );

        before(async function () {
            const env = await run(
                path.join(REPO_ROOT, "scripts", "lab", "s3.sh"),
                ["env", requireEnv("LAB_FAULTS_S3")],
                { cwd: REPO_ROOT, env: process.env, timeoutMs: 30_000 },
            );
            assert.equal(env.code, 0, tail(env));
            s3 = Object.fromEntries(
                [...env.stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]),
            );
            needles["S3 secret access key"] = s3.AWS_SECRET_ACCESS_KEY;
            const labYaml = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.lab.yaml"), "utf8");
            p = await prepareProject(mgmt.kubeconfig, pulumiBin, undefined, {
                stacks: ["lab", "lab-b"],
                stackFiles: { "lab-b": regionStackFile(labYaml, "lab-b", "capi-b", "labb-apps") },
                backend: {
                    url: s3.LAB_S3_BACKEND_URL,
                    env: {
                        AWS_ACCESS_KEY_ID: s3.AWS_ACCESS_KEY_ID,
                        AWS_SECRET_ACCESS_KEY: s3.AWS_SECRET_ACCESS_KEY,
                        AWS_REGION: s3.AWS_REGION,
                        AWS_CA_BUNDLE: s3.AWS_CA_BUNDLE,
                    },
                },
            });
            addNeedles(p);
        });

        it("deploys two regions at once, one driver process each, through s3:// with TLS verified", async () => {
            const a = startDriver(p, "up", "lab");
            const b = startDriver(p, "up", "lab-b");
            const [ra, rb] = await Promise.all([finish(a, ExitCode.Ok), finish(b, ExitCode.Ok)]);
            for (const r of [ra, rb]) {
                assert.match(r.summary.backend, /^s3:\/\/cluster-fleet-state/);
                assert.doesNotMatch(r.summary.backend, /endpoint|AWS|secret/i, "query shown");
            }
            const stateFiles = filesUnder(path.join(bucketDir(), ".pulumi", "stacks"));
            assert.deepEqual(
                stateFiles
                    .map((f) => path.basename(f))
                    .filter((f) => /^lab(-b)?\.json$/.test(f))
                    .sort(),
                ["lab-b.json", "lab.json"],
                "state objects in the bucket",
            );
            await converged(p, ["lab", "lab-b"]);
        });

        it("the same stack twice at once: the second gets the backend's lock error at once, the first completes", async () => {
            const first = startDriver(p, "up", "lab");
            const pgid = first.started.child.pid;
            assert.ok(pgid);
            await waitFor(
                "the first up's lock object in the bucket",
                () => lockFiles().length === 1,
                5 * 60_000,
            );
            process.kill(-pgid, "SIGSTOP");
            let second: DriverRun;
            const t0 = Date.now();
            try {
                second = await driver(p, "up", "lab", ExitCode.Failure);
            } finally {
                process.kill(-pgid, "SIGCONT");
            }
            const ms = Date.now() - t0;
            const text = second.summary.regions[0].errors.map((e) => e.message).join("\n");
            assert.match(
                text,
                /lab is locked by another update that may still be running: s3:\/\/cluster-fleet-state\/\.pulumi\/locks\//,
            );
            process.stderr.write(
                `      the second driver failed after ${(ms / 1000).toFixed(1)}s\n`,
            );
            assert.ok(ms < 90_000, `the second driver took ${ms} ms to fail`);
            await finish(first, ExitCode.Ok);
            assert.deepEqual(lockFiles(), []);
        });

        it("keeps the state readable (stack ls, export, no-change previews) and no plaintext secret in the bucket", async () => {
            const ls = await run(pulumiBin, ["stack", "ls", "--json", "--non-interactive"], {
                cwd: p.workDir,
                env: p.env,
                timeoutMs: 60_000,
            });
            assert.equal(ls.code, 0, tail(ls));
            assert.deepEqual(
                (JSON.parse(ls.stdout) as { name: string }[]).map((s) => s.name).sort(),
                ["lab", "lab-b"],
            );
            await converged(p, ["lab", "lab-b"]);
            const [token] = await workload.get([
                "-n",
                "kube-system",
                "secret/argocd-manager-token",
            ]);
            const [tokenB] = await workloadB.get([
                "-n",
                "kube-system",
                "secret/argocd-manager-token",
            ]);
            needles["SA token (region lab)"] = (token.data as Record<string, string>).token;
            needles["SA token (region lab-b)"] = (tokenB.data as Record<string, string>).token;
            const files = filesUnder(bucketDir());
            const texts = files.flatMap(scannableTexts);
            const states = texts.filter((t) => t.text.includes('"secrets_providers"'));
            assert.ok(states.length >= 2, "the scan found no state objects in the bucket");
            const leaks = findLeaks(texts, needles).map((l) => `${l.secret} in ${l.where}`);
            assert.deepEqual(leaks, [], "plaintext secrets in the bucket");
            process.stderr.write(
                `      bucket: ${files.length} objects scanned (${states.length} states) for ${Object.keys(needles).length} secrets\n`,
            );
        });

        it("destroys both regions at once; nothing is left in the clusters", async () => {
            await destroyAndCheckEmpty(p, ["lab", "lab-b"]);
        });
    });
});
