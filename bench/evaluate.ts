// One benchmark sample, run in its own process so that peak memory and CPU are its own:
//   shape N FILE   - evaluates the region program with N synthetic clusters under mocks and writes
//                    the shape of its registrations to FILE (not timed)
//   program N      - evaluates the region program with N synthetic clusters under mocks
//   floor FILE     - replays the shape in FILE: the same registrations without the program
//   config N       - times the config path alone (loadRegion: parse, checks, IP plan)
// Run with `-r bench/stockSdk.cjs` for the stock SDK. Prints one JSON line:
// { mode, n, resources, ms, cpuMs, peakRssMiB, stockSdk }.
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { loadRegion } from "../components/config/load";
import { Region } from "../components/region";
import { TEST_SECRETS } from "../test/support/deployRegion";
import { FleetMocks, installMocks, settle } from "../test/support/mocks";
import { Shape, recordShape, replayShape } from "./shape";
import { syntheticRegionConfig } from "./syntheticRegion";

/** Sets the stack config of a synthetic region (before the clock starts: it reads the dev stack). */
function setSyntheticConfig(n: number): void {
    pulumi.runtime.setAllConfig(
        { ...syntheticRegionConfig(n), ...TEST_SECRETS },
        Object.keys(TEST_SECRETS),
    );
}

function evaluateProgram(mocks: FleetMocks): pulumi.Resource[] {
    const loaded = loadRegion();
    // As CAPI would: the kubeconfig points at the planned VIP (no mismatch warning per cluster).
    const vips = new Map(loaded.plan.clusters.map((p) => [p.cluster, p.vip]));
    mocks.serverFor = (cluster) => `https://${vips.get(cluster)}:6443`;
    const region = new Region(`bench`, { loaded });
    return [region, ...Object.values(region.clusters).map((c) => c.capiCluster)];
}

/** CPU time of the calling (main) thread in ms, from Linux's schedstat; NaN elsewhere. */
function threadCpuMs(): number {
    try {
        return Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
    } catch {
        return NaN;
    }
}

/**
 * The whole config path (engine config -> validated region and IP plan): wall and CPU time of the
 * first call and the median of six more (CPU is what to compare on a loaded machine). CPU is the
 * process's, so it includes V8's compiler and GC threads; mainCpu is the main thread's alone.
 */
function timeConfigPath(n: number): void {
    setSyntheticConfig(n);
    const runs: { ms: number; cpuMs: number; mainCpuMs: number }[] = [];
    for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const main0 = threadCpuMs();
        const loaded = loadRegion();
        const mainCpuMs = threadCpuMs() - main0;
        const cpu = process.cpuUsage(cpu0);
        runs.push({ ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, mainCpuMs });
        if (loaded.plan.clusters.length !== n) throw new Error("plan lost clusters");
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const warm = runs.slice(1);
    const out = {
        mode: "config",
        n,
        firstMs: runs[0].ms,
        firstCpuMs: runs[0].cpuMs,
        firstMainCpuMs: runs[0].mainCpuMs,
        medianMs: med(warm.map((r) => r.ms)),
        medianCpuMs: med(warm.map((r) => r.cpuMs)),
        medianMainCpuMs: med(warm.map((r) => r.mainCpuMs)),
    };
    process.stdout.write(JSON.stringify(out) + "\n");
}

/** Whether the SDK in use stores a stack per promise (stock) or not (patched). */
function sdkStoresPromiseStacks(): boolean {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const d = require("@pulumi/pulumi/runtime/debuggable") as {
        debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
    };
    const p = Promise.resolve();
    void d.debuggablePromise(p, "bench-probe");
    return (p as unknown as { _debugStackTrace?: string })._debugStackTrace !== undefined;
}

/** Whether Resource.callsites is the stock one (part 3 of the patch caches its frames). */
function sdkFormatsEveryStack(): boolean {
    // callsites is private in the SDK's typings; only its source text is read here.
    const r = pulumi.Resource as unknown as { callsites: () => unknown };
    return !r.callsites.toString().includes("callsitesCache");
}

/** Stock or patched, refusing a mix (unless BENCH_STOCK_FILES asked for one). */
function sdkIsStock(): boolean {
    const promises = sdkStoresPromiseStacks();
    if (promises !== sdkFormatsEveryStack() && !process.env.BENCH_STOCK_FILES) {
        throw new Error("half-patched SDK: debuggable.js and resource.js disagree (npm ci)");
    }
    return promises;
}

async function main(mode: string, arg: string, file?: string): Promise<void> {
    if (mode === "config") return timeConfigPath(Number(arg));
    const mocks = await installMocks("bench");
    const shape =
        mode === "floor" ? (JSON.parse(fs.readFileSync(arg, "utf8")) as Shape) : undefined;
    const finishShape = mode === "shape" ? recordShape(mocks) : undefined;
    if (mode === "program" || mode === "shape") setSyntheticConfig(Number(arg));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let last: pulumi.Resource[];
    if (mode === "program" || mode === "shape") {
        last = evaluateProgram(mocks);
    } else if (shape) {
        last = replayShape(shape);
    } else {
        throw new Error(`unknown mode ${mode}`);
    }
    await settle(last);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (finishShape) fs.writeFileSync(file!, JSON.stringify(finishShape()));
    const out = {
        mode,
        n: mode === "floor" ? shape!.resources.length : Number(arg),
        resources: mocks.resources.length,
        ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        stockSdk: sdkIsStock(),
    };
    process.stdout.write(JSON.stringify(out) + "\n");
}

main(process.argv[2], process.argv[3], process.argv[4]).catch((e) => {
    process.stderr.write(String(e instanceof Error ? e.stack : e) + "\n");
    process.exit(1);
});
