// Readiness benchmark (issue 3 item 9): how long after the workload API server turns ready
// does ApiServerReadyProvider.create() return, and how hard does it poll while waiting.
// Uses the provider's production backoff defaults against local TLS fakes.
import {
    ApiServerReadyProvider,
    DEFAULT_MAX_POLL_INTERVAL_SECONDS,
    DEFAULT_POLL_INTERVAL_SECONDS,
} from "../components/providers/apiServerReady";
import { createTestCa } from "../test/support/pki";
import {
    buildKubeconfig,
    startFakeManagement,
    startFakeWorkload,
} from "../test/support/fakeApiServer";

export interface ReadinessBenchOptions {
    /** Independent waits, run concurrently (each with its own servers). Default 5. */
    readonly runs?: number;
    /** How long /readyz answers 503 before it turns 200. Default 12 000 ms. */
    readonly notReadyMs?: number;
    readonly pollIntervalSeconds?: number;
    readonly maxPollIntervalSeconds?: number;
}

export interface ReadinessBenchResult {
    /** Time from /readyz turning 200 until create() returned. */
    detectionLatencyMs: { p50: number; p95: number; max: number };
    /** /readyz requests per second per waiting resource, averaged over the not-ready window. */
    requestsPerSecondWhileWaiting: number;
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: number[], p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return sorted[Math.min(rank, sorted.length) - 1];
}

/** The CAs, server and client certificates and the management token every run shares. */
function benchPki() {
    const mgmtCa = createTestCa("bench mgmt CA");
    const wlCa = createTestCa("bench workload CA");
    return {
        mgmtCa,
        wlCa,
        mgmtServer: mgmtCa.issue("kube-apiserver", "server"),
        wlServer: wlCa.issue("kube-apiserver", "server"),
        wlClient: wlCa.issue("kubernetes-admin", "client", "system:masters"),
        token: "bench-token-0123456789",
    };
}

type BenchPki = ReturnType<typeof benchPki>;

interface WaitTiming {
    readonly notReadyMs: number;
    readonly pollIntervalSeconds: number;
    readonly maxPollIntervalSeconds: number;
}

interface WaitResult {
    readonly latencyMs: number;
    readonly rps: number;
}

/** A workload API server whose /readyz answers 503, and a management one serving its kubeconfig. */
async function startFakes(pki: BenchPki, clusterName: string) {
    const workload = await startFakeWorkload({ serverCert: pki.wlServer, statuses: [503] });
    const mgmt = await startFakeManagement({
        serverCert: pki.mgmtServer,
        token: pki.token,
        namespace: "bench",
        clusterName,
        kubeconfig: buildKubeconfig({
            server: workload.url,
            caPem: pki.wlCa.certPem,
            cert: pki.wlClient,
            name: clusterName,
        }),
    });
    return { workload, mgmt };
}

/** One create() against its own fakes: /readyz turns 200 after notReadyMs. */
async function oneWait(pki: BenchPki, i: number, t: WaitTiming): Promise<WaitResult> {
    const clusterName = `bench-${i}`;
    const { workload, mgmt } = await startFakes(pki, clusterName);
    try {
        const provider = new ApiServerReadyProvider({ progress: () => undefined });
        const started = Date.now();
        const done = provider
            .create({
                clusterName,
                namespace: "bench",
                managementKubeconfig: buildKubeconfig({
                    server: mgmt.url,
                    caPem: pki.mgmtCa.certPem,
                    token: pki.token,
                    name: "mgmt",
                }),
                timeoutSeconds: Math.ceil(t.notReadyMs / 1000) + 120,
                pollIntervalSeconds: t.pollIntervalSeconds,
                maxPollIntervalSeconds: t.maxPollIntervalSeconds,
            })
            .then(() => Date.now());
        await new Promise((r) => setTimeout(r, t.notReadyMs));
        const switchedAt = Date.now();
        workload.setStatus(200);
        const returnedAt = await done;
        const waitingRequests = workload.readyzTimes.filter((x) => x < switchedAt).length;
        return {
            latencyMs: returnedAt - switchedAt,
            rps: waitingRequests / ((switchedAt - started) / 1000),
        };
    } finally {
        await workload.close();
        await mgmt.close();
    }
}

/** Latency percentiles and the mean polling rate over all runs. */
function summary(results: readonly WaitResult[]): ReadinessBenchResult {
    const latencies = results.map((r) => r.latencyMs).sort((a, b) => a - b);
    const rps = results.reduce((sum, r) => sum + r.rps, 0) / results.length;
    return {
        detectionLatencyMs: {
            p50: percentile(latencies, 50),
            p95: percentile(latencies, 95),
            max: latencies[latencies.length - 1],
        },
        requestsPerSecondWhileWaiting: Math.round(rps * 100) / 100,
    };
}

export async function runReadinessBench(
    opts: ReadinessBenchOptions = {},
): Promise<ReadinessBenchResult> {
    const runs = opts.runs ?? 5;
    const timing: WaitTiming = {
        notReadyMs: opts.notReadyMs ?? 12_000,
        pollIntervalSeconds: opts.pollIntervalSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS,
        maxPollIntervalSeconds: opts.maxPollIntervalSeconds ?? DEFAULT_MAX_POLL_INTERVAL_SECONDS,
    };
    const pki = benchPki();
    return summary(
        await Promise.all(Array.from({ length: runs }, (_, i) => oneWait(pki, i, timing))),
    );
}

if (require.main === module) {
    runReadinessBench()
        .then((r) => {
            console.log(
                `ApiServerReady readiness (poll ${DEFAULT_POLL_INTERVAL_SECONDS}s, cap ` +
                    `${DEFAULT_MAX_POLL_INTERVAL_SECONDS}s, 5 concurrent runs, 12s not ready)`,
            );
            console.table({
                "detection latency p50 (ms)": r.detectionLatencyMs.p50,
                "detection latency p95 (ms)": r.detectionLatencyMs.p95,
                "detection latency max (ms)": r.detectionLatencyMs.max,
                "/readyz requests per second while waiting": r.requestsPerSecondWhileWaiting,
            });
        })
        .catch((e) => {
            console.error(e);
            process.exitCode = 1;
        });
}
