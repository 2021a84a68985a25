// `npm run bench`: program evaluation cost under mocks for 1, 10, 100 and 200 clusters against a
// floor that replays the program's exact registrations (same resources, parents, providers,
// dependencies, secrets and inputs) on the STOCK SDK; then the config path at 1,000 and 4,000
// clusters, the IP plan's collision rates and the readiness provider's figures.
// Each figure is the median of BENCH_REPS (default 3) samples taken interleaved, each sample in
// its own process. Figures only; nothing here asserts on time.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { collisionRates } from "./ipPlanGrowth";
import { runReadinessBench } from "./readiness";

interface Sample {
    mode: string;
    n: number;
    resources: number;
    ms: number;
    cpuMs: number;
    peakRssMiB: number;
    stockSdk: boolean;
}

const ROOT = path.resolve(__dirname, "..");

/**
 * The node arguments the engine starts the program with (Pulumi.yaml runtime.options.nodeargs,
 * split on whitespace as the language host does): the program's samples run with them; the
 * floor's (a stock program of the same size sets none) and the stock-SDK ones do not.
 */
function programNodeArgs(root = ROOT): string[] {
    const doc = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
        runtime?: { options?: { nodeargs?: string } };
    };
    return (doc.runtime?.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
}

function child(args: string[], stockSdk = false): string {
    const preload = ["-r", "ts-node/register/transpile-only"];
    if (stockSdk) preload.push("-r", path.join(__dirname, "stockSdk.cjs"));
    // "stock" is the program as it was before: stock SDK, no node arguments.
    const nodeArgs = args[0] === "program" && !stockSdk ? programNodeArgs() : [];
    const out = execFileSync(
        process.execPath,
        [...nodeArgs, ...preload, path.join(__dirname, "evaluate.ts"), ...args],
        { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    return out.trim().split("\n").pop()!;
}

function sample(args: string[], stockSdk = false): Sample {
    const s = JSON.parse(child(args, stockSdk)) as Sample;
    if (s.stockSdk !== stockSdk) {
        throw new Error(
            `sample ${args.join(" ")} ran the ${s.stockSdk ? "stock" : "patched"} SDK, expected ` +
                `the ${stockSdk ? "stock" : "patched"} one (npm run postinstall applies the patch)`,
        );
    }
    return s;
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x: number, d = 0) => x.toFixed(d);
const load = () =>
    `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")}`;

function table(rows: string[][]): string {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => c.padStart(widths[i])).join("  ")).join("\n");
}

interface SizeResult {
    n: number;
    resources: number;
    program: { cpu: number; wall: number; rss: number };
    stock: { cpu: number; wall: number; rss: number };
    floor: { cpu: number; wall: number; rss: number };
}

function measureSize(n: number, reps: number, dir: string): SizeResult {
    const shapeFile = path.join(dir, `shape-${n}.json`);
    sample(["shape", String(n), shapeFile]);
    const runs: Record<"program" | "stock" | "floor", Sample[]> = {
        program: [],
        stock: [],
        floor: [],
    };
    const kinds = ["program", "stock", "floor"] as const;
    for (let r = 0; r < reps; r++) {
        // Rotate the order so that no variant always runs first (or last) in a round.
        for (let k = 0; k < kinds.length; k++) {
            const kind = kinds[(k + r) % kinds.length];
            const args = kind === "floor" ? ["floor", shapeFile] : ["program", String(n)];
            runs[kind].push(sample(args, kind !== "program"));
        }
    }
    const med = (xs: Sample[]) => ({
        cpu: median(xs.map((x) => x.cpuMs)) / 1000,
        wall: median(xs.map((x) => x.ms)) / 1000,
        rss: median(xs.map((x) => x.peakRssMiB)),
    });
    const resources = runs.program[0].resources;
    if (runs.floor.some((f) => f.resources !== resources)) {
        throw new Error(`floor registered a different number of resources than the program`);
    }
    return {
        n,
        resources,
        program: med(runs.program),
        stock: med(runs.stock),
        floor: med(runs.floor),
    };
}

function evaluationTable(results: SizeResult[]): string {
    const rows = [
        [
            "clusters",
            "resources",
            "CPU s",
            "wall s",
            "peak MiB",
            "stock CPU s",
            "stock MiB",
            "floor CPU s",
            "floor wall s",
            "floor MiB",
            "CPU/floor",
            "wall/floor",
            "RSS/floor",
        ],
        ...results.map((r) => [
            String(r.n),
            String(r.resources),
            fmt(r.program.cpu, 2),
            fmt(r.program.wall, 2),
            fmt(r.program.rss),
            fmt(r.stock.cpu, 2),
            fmt(r.stock.rss),
            fmt(r.floor.cpu, 2),
            fmt(r.floor.wall, 2),
            fmt(r.floor.rss),
            fmt(r.program.cpu / r.floor.cpu, 2),
            fmt(r.program.wall / r.floor.wall, 2),
            fmt(r.program.rss / r.floor.rss, 2),
        ]),
    ];
    return table(rows);
}

function scaling(results: SizeResult[]): string {
    const at = (n: number) => results.find((r) => r.n === n);
    const [a, b] = [at(100), at(200)];
    if (!a || !b) return "";
    return (
        `t(200)/t(100): program CPU ${fmt(b.program.cpu / a.program.cpu, 2)}, wall ` +
        `${fmt(b.program.wall / a.program.wall, 2)}; stock program CPU ` +
        `${fmt(b.stock.cpu / a.stock.cpu, 2)}; floor CPU ${fmt(b.floor.cpu / a.floor.cpu, 2)}`
    );
}

/** Node, CPUs, load, the program's node arguments and whether the SDK patches are in effect. */
function printEnvironment(): void {
    console.log(`node ${process.version}, ${os.cpus().length} CPUs; at start: ${load()}`);
    console.log(
        `program node arguments (Pulumi.yaml nodeargs): ${programNodeArgs().join(" ") || "none"}`,
    );
    const patch = execFileSync(
        process.execPath,
        [path.join(ROOT, "patches/apply.cjs"), "--check"],
        {
            encoding: "utf8",
        },
    );
    console.log(patch.trim() || "patches: in effect (patches/patches.json)");
}

function printEvaluation(sizes: readonly number[], reps: number): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    try {
        const results = sizes.map((n) => measureSize(n, reps, dir));
        console.log(
            `\nProgram evaluation under mocks, medians of ${reps} interleaved samples. "stock" = ` +
                `the program on the unpatched SDK; floor = the program's registrations replayed on ` +
                `the unpatched SDK without the program. CPU = user+system of the evaluation.`,
        );
        console.log(evaluationTable(results));
        console.log(scaling(results));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function printConfigPath(): void {
    // Process CPU includes V8's compiler and GC threads; the main thread's is the program's own.
    console.log("\nConfig path (loadRegion: parse, checks, IP plan) of a synthetic region");
    for (const n of (process.env.BENCH_CONFIG_SIZES ?? "1000,4000").split(",").map(Number)) {
        const r = JSON.parse(child(["config", String(n)])) as Record<string, number>;
        console.log(
            `  ${n} clusters: first call ${fmt(r.firstMs)} ms (CPU ${fmt(r.firstCpuMs)} ms, ` +
                `main thread ${fmt(r.firstMainCpuMs)} ms), then median ${fmt(r.medianMs)} ms ` +
                `(CPU ${fmt(r.medianCpuMs)} ms, main thread ${fmt(r.medianMainCpuMs)} ms)`,
        );
    }
}

function printCollisions(): void {
    console.log(
        "\nIP plan: regions whose preview fails with a block collision (/26 blocks in a /16)",
    );
    for (const r of collisionRates(
        [50, 100, 200],
        Number(process.env.BENCH_COLLISION_TRIALS ?? 200),
    )) {
        console.log(
            `  ${r.clusters} clusters: hash placement ${fmt(100 * r.before, 1)}% of ${r.trials} ` +
                `regions; grown with --assign ${fmt(100 * r.after, 1)}% (clusters moved: ${r.moved})`,
        );
    }
}

async function printReadiness(): Promise<void> {
    const r = await runReadinessBench();
    console.log("\nReadiness provider (ApiServerReady) against a local TLS API server");
    console.log(
        `  detection latency after /readyz turns ok: p50 ${fmt(r.detectionLatencyMs.p50)} ms, p95 ${fmt(r.detectionLatencyMs.p95)} ms, max ${fmt(r.detectionLatencyMs.max)} ms`,
    );
    console.log(
        `  /readyz requests per second while waiting (per cluster): ${fmt(r.requestsPerSecondWhileWaiting, 2)}`,
    );
}

async function main(): Promise<void> {
    const sizes = (process.env.BENCH_SIZES ?? "1,10,100,200").split(",").map(Number);
    const reps = Number(process.env.BENCH_REPS ?? 3);
    printEnvironment();
    printEvaluation(sizes, reps);
    printConfigPath();
    printCollisions();
    if (process.env.BENCH_SKIP_READINESS !== "1") {
        await printReadiness();
    }
    console.log(`\nat end: ${load()}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
