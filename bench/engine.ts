// `npm run bench:engine` (scripts/lab/bench-engine.sh starts the clusters): the lab region with
// 1, 10 and 50 clusters deployed with `up` and removed with `destroy` on the REAL engine, through
// the pipeline driver, the CAPI simulator answering for every cluster after a delay (so `up` is
// dominated by the readiness waits, as on vSphere). Variants, run in rotating order per size:
//   stock      as before issue 11: the program preloads bench/stockSdk.cjs through Pulumi.yaml's
//              runtime.options.nodeargs and has no other node arguments
//   patched    as the repository is: patched SDK, Pulumi.yaml as it is
//   patched:N  the same with the driver's --parallel N (8 = the engine's default on 2 CPUs);
//              without :N the driver's own default (4 per CPU + 2 per cluster)
//   ...+skipcp the same with the driver's --skip-checkpoints (the engine writes the checkpoint
//              only at the end of the operation; see pipeline/README.md for what that risks)
//   ...+transpile the program only transpiles, as each region's run does after the driver has
//              type-checked a multi-region run once (pipeline/README.md "Type check"): the CLI
//              is wrapped to run with PULUMI_NODEJS_TRANSPILE_ONLY=true. Without it the bench's
//              one region type-checks itself, as the driver leaves a one-region run to do
//   ...+zstd   the file backend writes the state zstd-compressed (<stack>.json.zst): the CLI is
//              wrapped to run with PULUMI_DIY_BACKEND_ZSTD=true
//   ...+split  with BENCH_ENGINE_REGIONS > 1: one driver invocation per region, each program
//              type-checking itself (the way before the driver's check), instead of one
//              invocation for all regions (the driver checks once, every program transpiles)
//   ...@A+B    only at sizes A and B (e.g. patched:8@10, patched+skipcp@20+50)
// The + suffixes combine in any order (bench/engineVariant.ts).
// Per run: wall time, and peak RSS and CPU of the engine (the `pulumi` CLI), the program (the
// node process the language host starts) and all processes, sampled from /proc
// (bench/procTree.ts). Figures only; nothing here asserts on time.
//
// Env: LAB_HOME, LAB_BENCH_MGMT_KUBECONFIG, LAB_BENCH_WORKLOAD_KUBECONFIG (set by the script);
// BENCH_ENGINE_SIZES (1,10,50), BENCH_ENGINE_VARIANTS (stock,patched), BENCH_ENGINE_REPS (1),
// BENCH_ENGINE_DELAY_SECONDS (120: CAPI's kubeconfig appears this long after the Cluster),
// BENCH_ENGINE_OPS (up: up, then destroy; preview: a preview only, no CAPI simulator),
// BENCH_ENGINE_REGIONS (1; more only with preview: stacks bench-a, bench-b, ..., each the lab
// region grown to the size with its own region and cluster names),
// BENCH_ENGINE_OUT (a JSON file for the raw figures), BENCH_ENGINE_KEEP=1 keeps the work dirs,
// BENCH_ENGINE_PROFILE=<dir>: the engine runs with `--profiling <dir>/<n>-<variant>-<op>`, i.e.
// writes <prefix>.<pid>.{cpu,mem,trace} per CLI call (`go tool pprof -top <pulumi> <file>.cpu`);
// off by default (profiling costs CPU and the trace is large).
// After each `up` the checkpoint's size is printed per resource type (bench/checkpointSize.ts;
// for +zstd the file's size, and the types from `pulumi stack export`), and the driver must have
// read every cluster's outputs from the state. Every program process is checked to have run
// type-checked, or transpile-only for +transpile and after the driver's own check, which it must
// run exactly when one invocation covers more than one region.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { driverArgv } from "../test/e2e/support/driver";
import { run, start, tail } from "../test/e2e/support/process";
import { LabProject, REPO_ROOT, prepareProject, labEnv } from "../test/e2e/support/project";
import type { RunSummary } from "../pipeline/summary";
import { labRegionStackFile } from "./labRegion";
import { ProcessFigures, ProcessTreeSampler, byRole } from "./procTree";
import { startCapiSim } from "../test/e2e/support/capiSim";
import { PROJECT } from "../components/constants";
import {
    CheckpointSize,
    checkpointFile,
    checkpointLines,
    checkpointSize,
    compressionOf,
} from "./checkpointSize";
import { Variant, parseVariant } from "./engineVariant";

const STOCK_PRELOAD = path.join(__dirname, "stockSdk.cjs");
const STACK = "bench";

type RoleFigures = { peakRssMiB: number; cpuSeconds: number; count: number };

type Op = "preview" | "up" | "destroy";

interface OpFigures {
    readonly wallSeconds: number;
    /** Whether the driver ran its own type check (exactly when it runs more than one region). */
    readonly driverChecked: boolean;
    readonly roles: Record<string, RoleFigures>;
    readonly cpuSeconds: number;
    readonly changes: number;
}

interface RunFigures {
    readonly n: number;
    readonly variant: string;
    /** preview, or up and destroy (BENCH_ENGINE_OPS). */
    readonly ops: Partial<Record<Op, OpFigures>>;
    readonly loadAtStart: number[];
    /** After up. */
    readonly checkpoint?: CheckpointSize;
}

const env = labEnv("the bench through scripts/lab/bench-engine.sh");

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
    return startCapiSim(
        [
            "--management-kubeconfig",
            env("LAB_BENCH_MGMT_KUBECONFIG"),
            "--workload-kubeconfig",
            env("LAB_BENCH_WORKLOAD_KUBECONFIG"),
            "--delay-seconds",
            String(delaySeconds),
            "--max-seconds",
            "7200",
        ],
        path.join(p.logDir, "capi-sim.log"),
    );
}

const PROFILE_PREFIX = "BENCH_ENGINE_PROFILE_PREFIX";

/**
 * The driver's --pulumi-root: the lab's own root, or one whose bin/pulumi wraps the lab's CLI,
 * adding `--profiling $BENCH_ENGINE_PROFILE_PREFIX`, for +transpile overriding the driver's
 * PULUMI_NODEJS_TRANSPILE_ONLY=false with true, and for +zstd compressing the state.
 */
function pulumiRoot(p: LabProject, v: Variant): string {
    const profiling = process.env.BENCH_ENGINE_PROFILE !== undefined;
    if (!profiling && !v.transpile && !v.zstd) return env("LAB_HOME");
    const root = path.join(p.root, "wrapped-cli");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    const real = path.join(env("LAB_HOME"), "bin", "pulumi");
    fs.writeFileSync(
        path.join(root, "bin", "pulumi"),
        "#!/bin/sh\n" +
            (v.transpile ? "export PULUMI_NODEJS_TRANSPILE_ONLY=true\n" : "") +
            (v.zstd ? "export PULUMI_DIY_BACKEND_ZSTD=true\n" : "") +
            `exec "${real}"${profiling ? ` --profiling "$${PROFILE_PREFIX}"` : ""} "$@"\n`,
        { mode: 0o755 },
    );
    return root;
}

const TRANSPILE_ONLY = "PULUMI_NODEJS_TRANSPILE_ONLY";

/** A driver run's figures and its summary. */
interface Measured {
    readonly figures: OpFigures;
    readonly summary: RunSummary;
}

/** One op's figures: wall time, the driver's check, CPU and memory per role, changes made. */
function opFigures(
    result: { ms: number; stderr: string },
    procs: ProcessFigures[],
    regions: RunSummary["regions"],
): OpFigures {
    return {
        wallSeconds: result.ms / 1000,
        driverChecked: /^type check: /m.test(result.stderr),
        roles: Object.fromEntries(byRole(procs)),
        cpuSeconds: procs.reduce((s, x) => s + x.cpuSeconds, 0),
        changes: regions.reduce(
            (sum, r) =>
                sum + r.changes.create + r.changes.update + r.changes.delete + r.changes.replace,
            0,
        ),
    };
}

/**
 * One driver run over `stacks`, sampled; fails unless it succeeded and, when it ran the program,
 * ran one program per region on the variant's SDK, checked by the driver exactly when it covered
 * more than one region, and transpile-only exactly when the driver checked (or for +transpile).
 */
async function measured(
    p: LabProject,
    label: string,
    command: Op,
    v: Variant,
    stacks: readonly string[],
): Promise<Measured> {
    const args = [
        ...(command === "destroy" ? ["--yes"] : []),
        ...(v.parallel ? ["--parallel", String(v.parallel)] : []),
        ...(v.skipCheckpoints ? ["--skip-checkpoints"] : []),
    ];
    const argv = driverArgv(p, pulumiRoot(p, v), label, command, stacks.join(","), args);
    const profileDir = process.env.BENCH_ENGINE_PROFILE;
    if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
    const started = start(process.execPath, argv, {
        cwd: REPO_ROOT,
        env: {
            ...p.env,
            ...(profileDir ? { [PROFILE_PREFIX]: path.resolve(profileDir, label) } : {}),
        },
        timeoutMs: 60 * 60_000,
        logFile: path.join(p.logDir, `${label}.log`),
    });
    const sampler = new ProcessTreeSampler(started.child.pid!, 200, [TRANSPILE_ONLY]);
    const result = await started.result;
    const procs = sampler.stop();
    const summaryFile = path.join(p.outDir, `${label}.json`);
    const summary = fs.existsSync(summaryFile)
        ? (JSON.parse(fs.readFileSync(summaryFile, "utf8")) as RunSummary)
        : undefined;
    const regions = summary?.regions ?? [];
    const figures = opFigures(result, procs, regions);
    if (result.code !== 0 || summary?.exitCode !== 0) {
        // The figures up to the failure still say where the time went.
        const errors = regions.flatMap((r) => r.errors);
        throw new Error(
            `${label} failed (exit ${result.code}): ${opLine(command, figures)}; ` +
                `${errors.length} error(s), first: ${errors[0]?.message.slice(0, 300) ?? "-"}; ` +
                `logs in ${p.logDir}:\n` +
                tail(result, 15),
        );
    }
    if (command !== "destroy") checkPrograms(label, v, stacks.length, figures, procs);
    return { figures, summary };
}

/** The checks of measured() on the program processes of a preview or up (destroy runs none). */
function checkPrograms(
    label: string,
    v: Variant,
    regions: number,
    figures: OpFigures,
    procs: readonly ProcessFigures[],
): void {
    const driverChecks = regions > 1;
    const transpileOnly = v.transpile || driverChecks ? "true" : "false";
    const programs = procs.filter((x) => x.role === "program");
    if (
        programs.length !== regions ||
        programs.some((x) => x.cmdline.includes(STOCK_PRELOAD) !== v.stockSdk) ||
        programs.some((x) => x.env[TRANSPILE_ONLY] !== transpileOnly) ||
        figures.driverChecked !== driverChecks
    ) {
        const seen = procs
            .map((x) => `${x.role}: ${x.cmdline.slice(0, 160)} ${JSON.stringify(x.env)}`)
            .join("\n");
        throw new Error(
            `${label}: not ${regions} program(s) on the ${v.name} SDK with ` +
                `${TRANSPILE_ONLY}=${transpileOnly}, ${driverChecks ? "after" : "without"} the ` +
                `driver's check (driver checked: ${figures.driverChecked}):\n${seen}`,
        );
    }
}

/** The bench's region stacks: "bench", or bench-a, bench-b, ... for several. */
function regionStacks(regions: number): string[] {
    if (regions === 1) return [STACK];
    return Array.from({ length: regions }, (_, i) => `${STACK}-${String.fromCharCode(97 + i)}`);
}

/** A fresh copy of the program with the lab region grown to n clusters in every stack. */
async function prepare(n: number, stacks: readonly string[], delaySeconds: number) {
    const labYaml = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.lab.yaml"), "utf8");
    const timeout = delaySeconds + 900;
    return prepareProject(
        env("LAB_BENCH_MGMT_KUBECONFIG"),
        path.join(env("LAB_HOME"), "bin", "pulumi"),
        undefined,
        {
            stacks,
            stackFiles: Object.fromEntries(
                stacks.map((s) => [
                    s,
                    labRegionStackFile(labYaml, n, timeout, stacks.length > 1 ? s : undefined),
                ]),
            ),
        },
    );
}

/**
 * The preview of every stack: one driver invocation for all, or one per stack for +split,
 * whose figures add up (wall and CPU summed, peaks the largest).
 */
async function preview(p: LabProject, n: number, v: Variant, stacks: string[]): Promise<OpFigures> {
    const label = `01-preview-${n}-${v.name}`;
    if (!v.split) return (await measured(p, label, "preview", v, stacks)).figures;
    const parts: OpFigures[] = [];
    for (const s of stacks) {
        parts.push((await measured(p, `${label}-${s}`, "preview", v, [s])).figures);
    }
    return combined(parts);
}

function combined(parts: readonly OpFigures[]): OpFigures {
    const roles: Record<string, RoleFigures> = {};
    for (const [name, r] of parts.flatMap((f) => Object.entries(f.roles))) {
        const sum = roles[name] ?? { ...NONE };
        roles[name] = {
            peakRssMiB: Math.max(sum.peakRssMiB, r.peakRssMiB),
            cpuSeconds: sum.cpuSeconds + r.cpuSeconds,
            count: sum.count + r.count,
        };
    }
    const total = (f: (x: OpFigures) => number) => parts.reduce((s, x) => s + f(x), 0);
    return {
        wallSeconds: total((x) => x.wallSeconds),
        driverChecked: parts.some((x) => x.driverChecked),
        roles,
        cpuSeconds: total((x) => x.cpuSeconds),
        changes: total((x) => x.changes),
    };
}

/**
 * The checkpoint after `up`, in the form the variant asks for: a zstd file for +zstd (its
 * resources read through the CLI, which is also what the driver's own reads do), else plain JSON.
 */
async function checkpointAfterUp(p: LabProject, v: Variant): Promise<CheckpointSize> {
    const file = checkpointFile(p.stateDir, PROJECT, STACK);
    const want = v.zstd ? "zstd" : "none";
    if (!fs.existsSync(file) || compressionOf(file) !== want) {
        throw new Error(`${v.name}: the state is ${file}, not a ${want} checkpoint`);
    }
    if (process.env.BENCH_ENGINE_KEEP === "1") {
        fs.copyFileSync(file, path.join(p.root, path.basename(file).replace(STACK, "after-up")));
    }
    if (!v.zstd) return checkpointSize(file);
    // The lab's CLI as it is: the variable only decides how the backend writes; it reads any form.
    const out = path.join(p.root, "stack-export.json");
    const r = await run(
        path.join(env("LAB_HOME"), "bin", "pulumi"),
        ["stack", "export", "--stack", STACK, "--file", out, "--non-interactive"],
        { cwd: p.workDir, env: p.env, timeoutMs: 120_000 },
    );
    if (r.code !== 0) throw new Error(`pulumi stack export failed:\n${tail(r)}`);
    return checkpointSize(file, fs.readFileSync(out, "utf8"));
}

/** The driver read every cluster's outputs from the state after `up` (RegionSummary.clusters). */
function checkClustersRead(summary: RunSummary, n: number): void {
    const r = summary.regions[0];
    const clusters = r?.clusters;
    const count = clusters && typeof clusters === "object" ? Object.keys(clusters).length : 0;
    if (count !== n) {
        throw new Error(
            `up: the driver read ${count} of ${n} clusters' outputs (${r?.note ?? ""})`,
        );
    }
}

async function runOne(
    n: number,
    v: Variant,
    delaySeconds: number,
    previewOnly: boolean,
    regions: number,
): Promise<RunFigures> {
    const loadAtStart = os.loadavg();
    const stacks = regionStacks(regions);
    const p = await prepare(n, stacks, delaySeconds);
    if (v.stockSdk) preloadStockSdk(p);
    if (previewOnly) {
        let done = false;
        try {
            const figures = await preview(p, n, v, stacks);
            console.log(`  ${n} ${v.name}: ${opLine("preview", figures)}`);
            done = true;
            return { n, variant: v.name, ops: { preview: figures }, loadAtStart };
        } finally {
            keepOrRemove(p, done);
        }
    }
    const sim = startSim(p, delaySeconds);
    let ok = false;
    try {
        const up = await measured(p, `01-up-${n}-${v.name}`, "up", v, stacks);
        console.log(`  ${n} ${v.name}: ${opLine("up", up.figures)}`);
        checkClustersRead(up.summary, n);
        const checkpoint = await checkpointAfterUp(p, v);
        for (const line of checkpointLines(checkpoint)) console.log(`    ${line}`);
        const destroy = await measured(p, `02-destroy-${n}-${v.name}`, "destroy", v, stacks);
        console.log(`  ${n} ${v.name}: ${opLine("destroy", destroy.figures)}`);
        ok = true;
        return {
            n,
            variant: v.name,
            ops: { up: up.figures, destroy: destroy.figures },
            loadAtStart,
            checkpoint,
        };
    } finally {
        sim.stdin?.end();
        sim.kill("SIGTERM");
        keepOrRemove(p, ok);
    }
}

/** Removes a successful run's work dir unless BENCH_ENGINE_KEEP=1; keeps a failed one's logs. */
function keepOrRemove(p: LabProject, ok: boolean): void {
    if (ok && process.env.BENCH_ENGINE_KEEP !== "1") {
        fs.rmSync(p.root, { recursive: true, force: true });
    } else {
        console.log(`  work dir kept: ${p.root}`);
    }
}

const fmt = (x: number, d = 0) => x.toFixed(d);
const NONE: RoleFigures = { peakRssMiB: 0, cpuSeconds: 0, count: 0 };

function opLine(op: string, f: OpFigures): string {
    const engine = f.roles.engine ?? NONE;
    const program = f.roles.program ?? NONE;
    const driver = f.roles.driver ?? NONE;
    return [
        `${op} ${fmt(f.wallSeconds, 1)} s (${f.changes} changes)`,
        `engine ${fmt(engine.peakRssMiB)} MiB ${fmt(engine.cpuSeconds, 1)} s CPU`,
        ...(f.roles.program
            ? [`program ${fmt(program.peakRssMiB)} MiB ${fmt(program.cpuSeconds, 1)} s CPU`]
            : []),
        `driver ${fmt(driver.peakRssMiB)} MiB ${fmt(driver.cpuSeconds, 1)} s CPU` +
            (f.driverChecked ? " (checked the program)" : ""),
        `all processes ${fmt(f.cpuSeconds, 1)} s CPU`,
        `load ${os
            .loadavg()
            .map((l) => fmt(l, 1))
            .join("/")}`,
    ].join(", ");
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

type Median = (n: number, v: string, f: (r: RunFigures) => number) => number;
type Column = [string, (r: RunFigures) => number, number];

/** The table's columns: header, figure of one run, decimals. */
function summaryColumns(op: "preview" | "up"): Column[] {
    const main = (r: RunFigures) => r.ops[op]!;
    const role = (r: RunFigures, name: string) => main(r).roles[name] ?? NONE;
    return [
        [`${op} wall s`, (r) => main(r).wallSeconds, 1],
        ["engine MiB", (r) => role(r, "engine").peakRssMiB, 0],
        ["engine CPU s", (r) => role(r, "engine").cpuSeconds, 1],
        ["program MiB", (r) => role(r, "program").peakRssMiB, 0],
        ["program CPU s", (r) => role(r, "program").cpuSeconds, 1],
        ["driver MiB", (r) => role(r, "driver").peakRssMiB, 0],
        ["driver CPU s", (r) => role(r, "driver").cpuSeconds, 1],
        ["all CPU s", (r) => main(r).cpuSeconds, 1],
        ...(op === "up"
            ? [
                  ["destroy wall s", (r: RunFigures) => r.ops.destroy!.wallSeconds, 1] as Column,
                  [
                      "destroy engine CPU s",
                      (r: RunFigures) => r.ops.destroy!.roles.engine?.cpuSeconds ?? 0,
                      1,
                  ] as Column,
                  [
                      "state file KiB",
                      (r: RunFigures) => (r.checkpoint?.fileBytes ?? 0) / 1024,
                      0,
                  ] as Column,
              ]
            : []),
    ];
}

/** t(N)/t(1) of each variant's wall time, when the sizes include 1 cluster. */
function printWaitRatios(med: Median, sizes: number[], variants: Variant[], op: "preview" | "up") {
    if (!sizes.includes(1)) return;
    const wall = (r: RunFigures) => r.ops[op]!.wallSeconds;
    for (const v of variants) {
        // A variant not run at 1 cluster is compared with "patched" there (same work, one wait).
        const t1 = med(1, v.sizes && !v.sizes.includes(1) ? "patched" : v.name, wall);
        const ratios = sizes
            .filter((n) => n !== 1 && (!v.sizes || v.sizes.includes(n)))
            .map((n) => `t(${n})/t(1) ${fmt(med(n, v.name, wall) / t1, 2)}`);
        if (ratios.length > 0) console.log(`${v.name}: ${op} ${ratios.join(", ")}`);
    }
}

/** A table of medians per size and variant of the main op (preview or up), and t(N)/t(1). */
function summarize(
    results: RunFigures[],
    sizes: number[],
    variants: Variant[],
    op: "preview" | "up",
): void {
    const med: Median = (n, v, f) =>
        median(results.filter((r) => r.n === n && r.variant === v).map(f));
    const cols = summaryColumns(op);
    console.log(`\n| clusters | variant | ${cols.map((c) => c[0]).join(" | ")} |`);
    console.log(`|---:|---|${cols.map(() => "---:").join("|")}|`);
    for (const n of sizes) {
        for (const v of variants.filter((x) => !x.sizes || x.sizes.includes(n))) {
            const cells = cols.map(([, f, d]) => fmt(med(n, v.name, f), d));
            console.log(`| ${n} | ${v.name} | ${cells.join(" | ")} |`);
        }
    }
    printWaitRatios(med, sizes, variants, op);
}

interface BenchSettings {
    readonly sizes: number[];
    readonly reps: number;
    readonly variants: Variant[];
    readonly delaySeconds: number;
    readonly op: "up" | "preview";
    readonly regions: number;
}

/** BENCH_ENGINE_*, read and checked before the first run. */
function readSettings(): BenchSettings {
    const sizes = (process.env.BENCH_ENGINE_SIZES ?? "1,10,50").split(",").map(Number);
    const reps = Number(process.env.BENCH_ENGINE_REPS ?? 1);
    const variants = (process.env.BENCH_ENGINE_VARIANTS ?? "stock,patched")
        .split(",")
        .map(parseVariant);
    const delaySeconds = Number(process.env.BENCH_ENGINE_DELAY_SECONDS ?? 120);
    const op = process.env.BENCH_ENGINE_OPS ?? "up";
    if (op !== "up" && op !== "preview") {
        throw new Error(`BENCH_ENGINE_OPS: "${op}" is not up (up, then destroy) or preview`);
    }
    const regions = Number(process.env.BENCH_ENGINE_REGIONS ?? 1);
    if (!(Number.isInteger(regions) && regions >= 1 && regions <= 26)) {
        throw new Error(`BENCH_ENGINE_REGIONS: "${regions}" is not a number of regions (1-26)`);
    }
    if (regions > 1 && op !== "preview") {
        // Their clusters would share the blocks and the one workload API server (labRegion.ts).
        throw new Error("BENCH_ENGINE_REGIONS > 1 needs BENCH_ENGINE_OPS=preview");
    }
    const split = variants.find((v) => v.split);
    if (split && regions === 1) {
        throw new Error(`${split.name}: +split needs BENCH_ENGINE_REGIONS > 1`);
    }
    return { sizes, reps, variants, delaySeconds, op, regions };
}

async function main(): Promise<void> {
    const { sizes, reps, variants, delaySeconds, op, regions } = readSettings();
    console.log(
        `real engine: ${op === "up" ? "up + destroy" : "preview"} of the lab region` +
            `${regions > 1 ? ` as ${regions} region stacks` : ""}, ` +
            `${sizes.join("/")} clusters${regions > 1 ? " each" : ""}, variants ` +
            `${variants.map((v) => v.name).join(", ")}, CAPI simulator delay ${delaySeconds} s, ` +
            `${reps} rep(s); ${os.cpus().length} CPUs, load ${os
                .loadavg()
                .map((l) => fmt(l, 1))
                .join("/")}`,
    );
    const results: RunFigures[] = [];
    for (let rep = 0; rep < reps; rep++) {
        for (const [i, n] of sizes.entries()) {
            const here = variants.filter((v) => !v.sizes || v.sizes.includes(n));
            for (let k = 0; k < here.length; k++) {
                // Rotate so that no variant always runs first.
                const v = here[(k + i + rep) % here.length];
                results.push(await runOne(n, v, delaySeconds, op === "preview", regions));
                if (process.env.BENCH_ENGINE_OUT) {
                    fs.writeFileSync(
                        process.env.BENCH_ENGINE_OUT,
                        JSON.stringify(results, null, 2),
                    );
                }
            }
        }
    }
    summarize(results, sizes, variants, op);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
