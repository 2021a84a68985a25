// `npm run bench`: program evaluation cost under mocks for 1, 10, 100 and 200 clusters against a
// floor of the same number of trivial registrations, then the readiness provider's figures.
// Figures only; nothing here asserts on time.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { runReadinessBench } from "./readiness";

interface Sample {
    mode: string;
    n: number;
    resources: number;
    ms: number;
    peakRssMiB: number;
}

function sample(mode: "program" | "floor", n: number): Sample {
    const out = execFileSync(
        process.execPath,
        [
            "-r",
            "ts-node/register/transpile-only",
            path.join(__dirname, "evaluate.ts"),
            mode,
            String(n),
        ],
        { cwd: path.resolve(__dirname, ".."), encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
    );
    return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const fmt = (x: number, d = 0) => x.toFixed(d);

async function main(): Promise<void> {
    const sizes = (process.env.BENCH_SIZES ?? "1,10,100,200").split(",").map(Number);
    const rows: string[][] = [
        [
            "clusters",
            "resources",
            "program ms",
            "program peak MiB",
            "floor ms",
            "floor peak MiB",
            "time ratio",
            "memory ratio",
        ],
    ];
    for (const n of sizes) {
        const p = sample("program", n);
        const f = sample("floor", p.resources);
        rows.push([
            String(n),
            String(p.resources),
            fmt(p.ms),
            fmt(p.peakRssMiB),
            fmt(f.ms),
            fmt(f.peakRssMiB),
            fmt(p.ms / f.ms, 2),
            fmt(p.peakRssMiB / f.peakRssMiB, 2),
        ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    console.log("Program evaluation under mocks (floor = same number of bare registrations)");
    for (const r of rows) console.log(r.map((c, i) => c.padStart(widths[i])).join("  "));

    if (process.env.BENCH_SKIP_READINESS !== "1") {
        const r = await runReadinessBench();
        console.log("\nReadiness provider (ApiServerReady) against a local TLS API server");
        console.log(
            `  detection latency after /readyz turns ok: p50 ${fmt(r.detectionLatencyMs.p50)} ms, p95 ${fmt(r.detectionLatencyMs.p95)} ms, max ${fmt(r.detectionLatencyMs.max)} ms`,
        );
        console.log(
            `  /readyz requests per second while waiting (per cluster): ${fmt(r.requestsPerSecondWhileWaiting, 2)}`,
        );
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
