// `npm run bench:engine` (scripts/lab/bench-engine.sh starts the clusters): the lab region with
// 1, 10 and 50 clusters deployed with `up` and removed with `destroy` on the REAL engine, through
// the pipeline driver, the CAPI simulator answering for every cluster after a delay (so `up` is
// dominated by the readiness waits, as on vSphere). Each size runs as before issue 11 ("stock":
// the program preloads bench/stockSdk.cjs through Pulumi.yaml's runtime.options.nodeargs, and
// has no other node arguments) and as the repository is ("patched": patched SDK, its Pulumi.yaml
// as it is), in rotating order. Per run: wall time, and peak RSS and CPU of the engine (the `pulumi`
// CLI), the program (the node process the language host starts) and everything else, sampled
// from /proc (bench/procTree.ts). Figures only; nothing here asserts on time.
//
// Env: LAB_HOME, LAB_BENCH_MGMT_KUBECONFIG, LAB_BENCH_WORKLOAD_KUBECONFIG (set by the script);
// BENCH_ENGINE_SIZES (1,10,50), BENCH_ENGINE_REPS (1), BENCH_ENGINE_VARIANTS (stock,patched),
// BENCH_ENGINE_DELAY_SECONDS (60: CAPI's kubeconfig appears this long after the Cluster),
// BENCH_ENGINE_PARALLEL (the driver's --parallel; default: the driver's own, 4 per CPU + 2 per
// cluster; 8 is the engine's default on 2 CPUs), BENCH_ENGINE_OUT (a JSON file for the raw
// figures), BENCH_ENGINE_KEEP=1 keeps the work dirs.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { driverArgv } from "../test/e2e/support/driver";
import { start, tail } from "../test/e2e/support/process";
import { LabProject, REPO_ROOT, prepareProject } from "../test/e2e/support/project";
import type { RunSummary } from "../pipeline/summary";
import { labRegionStackFile } from "./labRegion";
import { ProcessTreeSampler, byRole } from "./procTree";

type Variant = "stock" | "patched";
const STOCK_PRELOAD = path.join(__dirname, "stockSdk.cjs");
const STACK = "bench";

interface OpFigures {
    readonly wallSeconds: number;
    readonly roles: Record<string, { peakRssMiB: number; cpuSeconds: number; count: number }>;
    readonly cpuSeconds: number;
    readonly changes: number;
}

interface RunFigures {
    readonly n: number;
    readonly variant: Variant;
    readonly up: OpFigures;
    readonly destroy: OpFigures;
    readonly loadAtStart: number[];
}

function env(name: string): string {
    const v = process.env[name];
    if (!v)
        throw new Error(`${name} is not set; run the bench through scripts/lab/bench-engine.sh`);
    return v;
}

/**
 * The copy's Pulumi.yaml as before issue 11: the stock-SDK preload as the program's only node
 * argument (the repository's own nodeargs are part of what is measured against it).
 */
function preloadStockSdk(p: LabProject): void {
    const file = path.join(p.workDir, "Pulumi.yaml");
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as {
        runtime: { options?: Record<string, unknown> };
    };
    doc.runtime.options = { ...doc.runtime.options, nodeargs: `--require ${STOCK_PRELOAD}` };
    fs.writeFileSync(file, yaml.dump(doc));
}

function startSim(p: LabProject, delaySeconds: number): ChildProcess {
    const log = fs.openSync(path.join(p.logDir, "capi-sim.log"), "a");
    return spawn(
        process.execPath,
        [
            "-r",
            "ts-node/register/transpile-only",
            path.join(REPO_ROOT, "scripts", "lab", "capi-sim.ts"),
            "--management-kubeconfig",
            env("LAB_BENCH_MGMT_KUBECONFIG"),
            "--workload-kubeconfig",
            env("LAB_BENCH_WORKLOAD_KUBECONFIG"),
            "--delay-seconds",
            String(delaySeconds),
            "--max-seconds",
            "3600",
        ],
        { cwd: REPO_ROOT, stdio: ["pipe", log, log] },
    );
}

/** One driver run, sampled; fails unless it succeeded. */
async function measured(
    p: LabProject,
    label: string,
    command: string,
    extra: string[],
    variant: Variant,
): Promise<OpFigures> {
    const labHome = env("LAB_HOME");
    const parallel = process.env.BENCH_ENGINE_PARALLEL;
    const args = [...extra, ...(parallel ? ["--parallel", parallel] : [])];
    const started = start(process.execPath, driverArgv(p, labHome, label, command, STACK, args), {
        cwd: REPO_ROOT,
        env: p.env,
        timeoutMs: 60 * 60_000,
        logFile: path.join(p.logDir, `${label}.log`),
    });
    const sampler = new ProcessTreeSampler(started.child.pid!);
    const result = await started.result;
    const procs = sampler.stop();
    const summaryFile = path.join(p.outDir, `${label}.json`);
    const summary = fs.existsSync(summaryFile)
        ? (JSON.parse(fs.readFileSync(summaryFile, "utf8")) as RunSummary)
        : undefined;
    if (result.code !== 0 || summary?.exitCode !== 0) {
        throw new Error(
            `${label} failed (exit ${result.code}), logs in ${p.logDir}:\n${tail(result, 40)}`,
        );
    }
    const programs = procs.filter((x) => x.role === "program");
    if (programs.length !== 1) {
        const seen = procs.map((x) => `${x.role}: ${x.cmdline.slice(0, 160)}`).join("\n");
        throw new Error(`${label}: expected one program process, saw ${programs.length}:\n${seen}`);
    }
    if (programs[0].cmdline.includes(STOCK_PRELOAD) !== (variant === "stock")) {
        throw new Error(
            `${label}: the program did not run the ${variant} SDK: ${programs[0].cmdline}`,
        );
    }
    const c = summary.regions[0].changes;
    return {
        wallSeconds: result.ms / 1000,
        roles: Object.fromEntries(byRole(procs)),
        cpuSeconds: procs.reduce((s, x) => s + x.cpuSeconds, 0),
        changes: c.create + c.update + c.delete + c.replace,
    };
}

async function runOne(n: number, variant: Variant, delaySeconds: number): Promise<RunFigures> {
    const loadAtStart = os.loadavg();
    const labYaml = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.lab.yaml"), "utf8");
    const p = await prepareProject(
        env("LAB_BENCH_MGMT_KUBECONFIG"),
        path.join(env("LAB_HOME"), "bin", "pulumi"),
        undefined,
        { stacks: [STACK], stackFiles: { [STACK]: labRegionStackFile(labYaml, n) } },
    );
    if (variant === "stock") preloadStockSdk(p);
    const sim = startSim(p, delaySeconds);
    let ok = false;
    try {
        const up = await measured(p, `01-up-${n}-${variant}`, "up", [], variant);
        const destroy = await measured(
            p,
            `02-destroy-${n}-${variant}`,
            "destroy",
            ["--yes"],
            variant,
        );
        ok = true;
        return { n, variant, up, destroy, loadAtStart };
    } finally {
        sim.stdin?.end();
        sim.kill("SIGTERM");
        if (ok && process.env.BENCH_ENGINE_KEEP !== "1") {
            fs.rmSync(p.root, { recursive: true, force: true });
        } else {
            console.log(`  work dir kept: ${p.root}`);
        }
    }
}

const fmt = (x: number, d = 0) => x.toFixed(d);

function line(r: RunFigures): string {
    const role = (op: OpFigures, name: string) =>
        op.roles[name] ?? { peakRssMiB: 0, cpuSeconds: 0 };
    const engine = role(r.up, "engine");
    const program = role(r.up, "program");
    return [
        String(r.n).padStart(3),
        r.variant.padEnd(7),
        `up ${fmt(r.up.wallSeconds, 1)} s (${r.up.changes} changes)`,
        `engine ${fmt(engine.peakRssMiB)} MiB ${fmt(engine.cpuSeconds, 1)} s CPU`,
        `program ${fmt(program.peakRssMiB)} MiB ${fmt(program.cpuSeconds, 1)} s CPU`,
        `all ${fmt(r.up.cpuSeconds, 1)} s CPU`,
        `| destroy ${fmt(r.destroy.wallSeconds, 1)} s, program ${fmt(role(r.destroy, "program").peakRssMiB)} MiB`,
        `| load ${r.loadAtStart.map((l) => fmt(l, 1)).join("/")}`,
    ].join("  ");
}

async function main(): Promise<void> {
    const sizes = (process.env.BENCH_ENGINE_SIZES ?? "1,10,50").split(",").map(Number);
    const reps = Number(process.env.BENCH_ENGINE_REPS ?? 1);
    const variants = (process.env.BENCH_ENGINE_VARIANTS ?? "stock,patched").split(",") as Variant[];
    const delaySeconds = Number(process.env.BENCH_ENGINE_DELAY_SECONDS ?? 60);
    console.log(
        `real engine: up + destroy of the lab region, ${sizes.join("/")} clusters, ` +
            `${variants.join(" and ")} SDK, CAPI simulator delay ${delaySeconds} s, ${reps} rep(s), ` +
            `--parallel ${process.env.BENCH_ENGINE_PARALLEL ?? "(the driver's default)"}; ` +
            `${os.cpus().length} CPUs, load ${os
                .loadavg()
                .map((l) => fmt(l, 1))
                .join("/")}`,
    );
    const results: RunFigures[] = [];
    for (let rep = 0; rep < reps; rep++) {
        for (const [i, n] of sizes.entries()) {
            for (let k = 0; k < variants.length; k++) {
                // Rotate so that neither SDK always runs first.
                const variant = variants[(k + i + rep) % variants.length];
                const r = await runOne(n, variant, delaySeconds);
                results.push(r);
                console.log(line(r));
                if (process.env.BENCH_ENGINE_OUT) {
                    fs.writeFileSync(
                        process.env.BENCH_ENGINE_OUT,
                        JSON.stringify(results, null, 2),
                    );
                }
            }
        }
    }
    summarize(results, sizes, variants);
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Medians per size and SDK, patched/stock ratios, and t(N)/t(1) of `up`. */
function summarize(results: RunFigures[], sizes: number[], variants: Variant[]): void {
    const med = (n: number, v: Variant, f: (r: RunFigures) => number) =>
        median(results.filter((r) => r.n === n && r.variant === v).map(f));
    const wall = (r: RunFigures) => r.up.wallSeconds;
    const progRss = (r: RunFigures) => r.up.roles.program?.peakRssMiB ?? 0;
    const progCpu = (r: RunFigures) => r.up.roles.program?.cpuSeconds ?? 0;
    console.log("\nmedians (up):");
    for (const n of sizes) {
        const parts = variants.map(
            (v) =>
                `${v}: wall ${fmt(med(n, v, wall), 1)} s, program ${fmt(med(n, v, progRss))} MiB ` +
                `${fmt(med(n, v, progCpu), 1)} s CPU`,
        );
        if (variants.length === 2) {
            const [a, b] = variants;
            parts.push(
                `${b}/${a}: wall ${fmt(med(n, b, wall) / med(n, a, wall), 2)}, program RSS ` +
                    `${fmt(med(n, b, progRss) / med(n, a, progRss), 2)}, program CPU ` +
                    `${fmt(med(n, b, progCpu) / med(n, a, progCpu), 2)}`,
            );
        }
        console.log(`  ${n} clusters: ${parts.join("; ")}`);
    }
    if (sizes.includes(1)) {
        for (const v of variants) {
            const ratios = sizes
                .filter((n) => n !== 1)
                .map((n) => `t(${n})/t(1) ${fmt(med(n, v, wall) / med(1, v, wall), 2)}`);
            console.log(`  ${v}: ${ratios.join(", ")}`);
        }
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
