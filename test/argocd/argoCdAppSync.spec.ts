// ArgoCdAppSyncProvider called directly against the fake Argo CD (real https on 127.0.0.1, test CA).
// Each fault from ../shared/notes/argocd.md §9 is one test.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
    ARGOCD_TOKEN_CONFIG_KEY,
    ArgoCdAppSync,
    ArgoCdAppSyncProvider,
    type ArgoCdAppSyncInputs,
    type ArgoCdAppSyncOutputs,
    type ArgoCdAppSyncProviderOptions,
} from "../../components/providers/argoCdAppSync";
import { isArgoCdApiError, isArgoCdSyncError } from "../../components/argocd/errors";
import { types } from "../../components/constants";
import { createTestCa } from "../support/pki";
import { recordTrustBuilds } from "../support/trustBuilds";
import { virtualClock, type VirtualClock } from "../support/virtualClock";
import {
    appHealth,
    FAKE_CHART_VERSION,
    FAKE_COMMIT,
    foreignOperation,
    opFinished,
    opRetrying,
    opRunning,
    startFakeArgoCd,
    SUCCEEDED,
    type FakeArgoCd,
} from "../support/fakeArgoCd";
// require-from-string ships no types; this is how the provider host loads __provider.
type RequireFromString = (code: string) => { handler: () => unknown };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as RequireFromString;

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SERVER = "https://10.0.0.10:6443";
const APP = "cc-wc1";
const PROJECT = "clusters";
/** Argo CD's poll interval (the provider's default), in virtual milliseconds. */
const POLL_MS = 5000;

async function failure(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (e) {
        assert.ok(e instanceof Error);
        return e;
    }
    assert.fail("expected a rejection");
}

describe("ArgoCdAppSyncProvider", () => {
    let fake: FakeArgoCd;
    // Polls, retries, caps, deadlines and request timeouts all run on this clock: only the
    // provider's own sleeps (and a test's advance()) move it, so machine load cannot.
    let clock: VirtualClock;

    const inputs = (o: Partial<ArgoCdAppSyncInputs> = {}): ArgoCdAppSyncInputs => ({
        argocdUrl: fake.url,
        caPem: fake.caPem,
        account: "pulumi-ci",
        project: PROJECT,
        appName: APP,
        appNamespace: "argocd",
        clusterServer: SERVER,
        trigger: "spec-hash-1",
        retry: { limit: 2, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } },
        timeoutSeconds: 300,
        clusterReadyTimeoutSeconds: 60,
        appVisibleTimeoutSeconds: 60,
        ...o,
    });
    const provider = (o: ArgoCdAppSyncProviderOptions = {}) =>
        new ArgoCdAppSyncProvider({ token: fake.token, clock, ...o });
    const assertNoToken = (text: string) => {
        assert.ok(!text.includes(fake.token), "token leaked");
        assert.ok(!text.includes(fake.token.split(".")[2]), "token signature leaked");
    };

    beforeEach(async () => {
        fake = await startFakeArgoCd();
        clock = virtualClock();
    });
    afterEach(async () => {
        await fake.close();
    });

    describe("create", () => {
        it("checks the cluster, refreshes the app, syncs with our retryStrategy and waits for Synced+Healthy", async () => {
            const cluster = fake.addCluster(
                SERVER,
                "Unknown",
                "Cluster has no applications and is not being monitored.",
            );
            // The controller starts monitoring once the app targets the cluster.
            cluster.frames = [
                () => undefined,
                () => undefined,
                (c) => {
                    c.info = {
                        connectionState: { status: "Successful" },
                        cacheInfo: { lastCacheSyncTime: "2026-05-01T10:00:00Z" },
                    };
                },
            ];
            const fa = fake.addApp(APP, PROJECT);
            fa.onSync = [
                opRunning("waiting for healthy state of apps/Deployment/tigera-operator"),
                opRunning("waiting for healthy state of operator.tigera.io/Installation/default"),
                SUCCEEDED,
            ];
            const res = await provider().create(inputs({ argocdUrl: fake.url + "/" }));
            assert.equal(res.id, "argocd/cc-wc1");
            const outs = res.outs as ArgoCdAppSyncOutputs;
            assert.equal(outs.syncStatus, "Synced");
            assert.equal(outs.healthStatus, "Healthy");
            assert.equal(outs.operationPhase, "Succeeded");
            // A two-source app: one revision per source, as a real Argo CD v3.5 reports them.
            assert.equal(
                outs.revision,
                `tigera-operator@${FAKE_CHART_VERSION}, cluster-config@${FAKE_COMMIT}`,
            );
            assert.match(outs.syncedAt, /^2026-/);
            assert.equal(outs.trigger, "spec-hash-1");
            assertNoToken(JSON.stringify(outs));

            assert.deepEqual(fa.syncRequests, [
                {
                    name: APP,
                    project: PROJECT,
                    appNamespace: "argocd",
                    prune: false,
                    retryStrategy: {
                        limit: 2,
                        backoff: { duration: "5s", factor: 2, maxDuration: "3m" },
                    },
                },
            ]);
            const appGets = fake.requests.filter(
                (r) => r.method === "GET" && r.path === `/api/v1/applications/${APP}`,
            );
            assert.equal(appGets[0].query.get("refresh"), "normal");
            assert.ok(appGets.every((r) => r.query.get("project") === PROJECT));
            // Unknown on the first look is fine; Successful was awaited before the sync.
            const firstSync = fake.requests.findIndex((r) => r.method === "POST");
            const lastList = fake.requests.map((r) => r.path).lastIndexOf("/api/v1/clusters");
            assert.ok(lastList < firstSync);
            assert.equal(fake.count("GET", /^\/api\/v1\/clusters$/), 3);
        });

        it("passes syncOptions as {items} only when given (it replaces the app's options)", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            await provider().create(inputs({ syncOptions: ["ServerSideApply=true"], prune: true }));
            const body = fa.syncRequests[0] as Record<string, unknown>;
            assert.deepEqual(body.syncOptions, { items: ["ServerSideApply=true"] });
            assert.equal(body.prune, true);
        });

        it("waits while the app is not yet visible (404 with project=), then syncs", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            fa.hiddenForGets = 3;
            const res = await provider().create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).healthStatus, "Healthy");
            const gets = fake.requests.filter((r) => r.path === `/api/v1/applications/${APP}`);
            // Four refreshing GETs (three 404s), then the sync and two polls (Running, Succeeded).
            assert.deepEqual(
                gets.map((r) => r.query.get("refresh")),
                ["normal", "normal", "normal", "normal", null, null],
            );
            assert.equal(fake.count("POST", /sync$/), 1);
            // One poll interval after each 404 and after Running: nothing waited longer.
            assert.equal(clock.now(), 4 * POLL_MS);
        });

        it("fails when the app never becomes visible, naming namespace/name and project", async () => {
            fake.addCluster(SERVER);
            const e = await failure(provider().create(inputs({ appVisibleTimeoutSeconds: 30 })));
            assert.ok(isArgoCdSyncError(e) && e.reason === "app-not-visible", e.message);
            assert.match(
                e.message,
                /Application argocd\/cc-wc1 \(project clusters\) not visible .* after 30s/,
            );
            // Polled every 5 s for the whole cap (0, 5, ..., 30 s), and not a poll longer.
            assert.equal(fake.count("GET", /^\/api\/v1\/applications\//), 7);
            assert.equal(clock.now(), 30_000);
            assert.equal(fake.count("POST", /sync$/), 0);
        });

        it("fails fast on cluster connection Failed with its message, without syncing", async () => {
            fake.addCluster(
                SERVER,
                "Failed",
                "the server has asked for the client to provide credentials",
            );
            fake.addApp(APP, PROJECT);
            const e = await failure(provider().create(inputs()));
            assert.ok(isArgoCdSyncError(e) && e.reason === "cluster-failed", e.message);
            assert.match(
                e.message,
                /cannot connect to cluster https:\/\/10\.0\.0\.10:6443: the server has asked for the client to provide credentials/,
            );
            assert.equal(fake.count("GET", /^\/api\/v1\/clusters$/), 1);
            assert.equal(fake.count("POST", /sync$/), 0);
        });

        it("fails when the cluster turns Failed after the app exists", async () => {
            const c = fake.addCluster(SERVER, "Unknown");
            c.frames = [
                () => undefined,
                (x) =>
                    (x.info = {
                        connectionState: {
                            status: "Failed",
                            message: "x509: certificate signed by unknown authority",
                        },
                    }),
            ];
            fake.addApp(APP, PROJECT);
            const e = await failure(provider().create(inputs()));
            assert.ok(isArgoCdSyncError(e) && e.reason === "cluster-failed");
            assert.match(e.message, /x509: certificate signed by unknown authority/);
            assert.equal(fake.count("POST", /sync$/), 0);
        });

        it("fails when the cluster is not registered", async () => {
            fake.addCluster("https://10.0.0.99:6443");
            const e = await failure(provider().create(inputs({ clusterReadyTimeoutSeconds: 20 })));
            assert.ok(isArgoCdSyncError(e) && e.reason === "cluster-missing", e.message);
            assert.match(e.message, /Cluster https:\/\/10\.0\.0\.10:6443 is not registered/);
            assert.match(e.message, /returned no match for 20s/);
            assert.equal(fake.count("GET", /^\/api\/v1\/clusters$/), 5);
            assert.equal(clock.now(), 20_000);
            assert.match(e.message, /`clusters, get`/);
        });

        it("caps the wait for the connection to become Successful", async () => {
            fake.addCluster(
                SERVER,
                "Unknown",
                "Cluster has no applications and is not being monitored.",
            );
            fake.addApp(APP, PROJECT);
            const e = await failure(provider().create(inputs({ clusterReadyTimeoutSeconds: 20 })));
            assert.ok(isArgoCdSyncError(e) && e.reason === "cluster-not-ready", e.message);
            assert.match(e.message, /has not connected to cluster .* after 20s/);
            assert.match(e.message, /connection state Unknown: Cluster has no applications/);
            // One list to see it registered, then 0, 5, ..., 20 s waiting for Successful.
            assert.equal(fake.count("GET", /^\/api\/v1\/clusters$/), 1 + 5);
            assert.equal(clock.now(), 20_000);
            assert.equal(fake.count("POST", /sync$/), 0);
        });

        it("fails fast when the sync Failed with retries exhausted, listing failing resources with waves", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            const cause =
                'one or more objects failed to apply, reason: BGPPeer.crd.projectcalico.org "tor-a" is invalid';
            fa.onSync = [
                opRunning("waiting for healthy state of apps/Deployment/tigera-operator"),
                opRetrying(1, cause),
                opRunning("waiting for healthy state of apps/Deployment/tigera-operator", 1),
                opRetrying(2, cause),
                opFinished("Failed", `${cause} (retried 2 times).`, {
                    sync: "OutOfSync",
                    health: "Progressing",
                    retryCount: 2,
                    resources: [
                        {
                            group: "apps",
                            kind: "Deployment",
                            namespace: "tigera-operator",
                            name: "tigera-operator",
                            syncWave: 1,
                            health: { status: "Healthy" },
                        },
                        {
                            group: "crd.projectcalico.org",
                            kind: "BGPPeer",
                            name: "tor-a",
                            syncWave: 3,
                            health: { status: "Missing" },
                        },
                    ],
                    syncResources: [
                        {
                            group: "apps",
                            kind: "Deployment",
                            namespace: "tigera-operator",
                            name: "tigera-operator",
                            status: "Synced",
                        },
                        {
                            group: "crd.projectcalico.org",
                            kind: "BGPPeer",
                            name: "tor-a",
                            status: "SyncFailed",
                            message:
                                'BGPPeer.crd.projectcalico.org "tor-a" is invalid: spec.asNumber: Invalid value',
                        },
                    ],
                }),
                // Never reached: the provider must stop at Failed.
                SUCCEEDED,
            ];
            const e = await failure(provider().create(inputs()));
            assert.ok(isArgoCdSyncError(e) && e.reason === "sync-failed", e.message);
            assert.ok(
                e.message.includes(
                    `ended in phase Failed at revision tigera-operator@${FAKE_CHART_VERSION}, cluster-config@${FAKE_COMMIT}: `,
                ),
                e.message,
            );
            assert.match(e.message, /\(retried 2 times\)\./);
            assert.match(
                e.message,
                /BGPPeer tor-a \(wave 3\): SyncFailed: BGPPeer\.crd\.projectcalico\.org "tor-a" is invalid/,
            );
            assert.ok(!e.message.includes("Deployment tigera-operator/tigera-operator"));
            assert.match(e.message, /will not auto-retry this revision/);
            assert.equal(fa.frames.length, 1, "stopped polling at Failed");
            assert.equal(fake.count("POST", /sync$/), 1);
        });

        it("times out at its own deadline naming the app, elapsed time, last message and unhealthy resources", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            fa.onSync = [
                opRunning("waiting for healthy state of operator.tigera.io/Installation/default"),
                opFinished("Succeeded", "successfully synced (all tasks run)", {
                    sync: "Synced",
                    health: "Degraded",
                    resources: [
                        {
                            group: "operator.tigera.io",
                            kind: "Installation",
                            name: "default",
                            syncWave: 2,
                            health: { status: "Degraded", message: "calico-node: 0/3 ready" },
                        },
                    ],
                }),
            ];
            const e = await failure(provider().create(inputs({ timeoutSeconds: 60 })));
            assert.ok(isArgoCdSyncError(e) && e.reason === "timeout", e.message);
            assert.match(
                e.message,
                /Timed out after 60s \(timeoutSeconds=60\) waiting for Argo CD app argocd\/cc-wc1 \(project clusters\)/,
            );
            // Polled every 5 s (0, 5, ..., 55 s) until the deadline at 60 s, not a poll longer.
            assert.equal(clock.now(), 60_000);
            assert.equal(fake.count("GET", /^\/api\/v1\/applications\//), 1 + 12);
            assert.match(e.message, /sync Synced, health Degraded, operation phase Succeeded/);
            assert.match(e.message, /last message: successfully synced/);
            assert.match(
                e.message,
                /Installation default \(wave 2\): Degraded: calico-node: 0\/3 ready/,
            );
        });

        it("a sync the controller never picks up says so at the deadline", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            // The POST sets `operation`; no controller ever writes operationState.
            fa.onSync = [];
            const e = await failure(provider().create(inputs({ timeoutSeconds: 60 })));
            assert.ok(isArgoCdSyncError(e) && e.reason === "timeout", e.message);
            assert.equal(fake.count("POST", /sync$/), 1);
            assert.match(e.message, /Timed out after 60s \(timeoutSeconds=60\)/);
            assert.match(
                e.message,
                /accepted the sync \(operation set by user pulumi-ci\) but the application controller never started it/,
            );
            assert.match(e.message, /no status\.operationState\.startedAt/);
            assert.match(e.message, /shard handles cluster https:\/\/10\.0\.0\.10:6443/);
            assert.match(e.message, /watches namespace argocd/);
            assertNoToken(e.message);
        });

        it("a request still hanging at the deadline ends as a timeout, not a network error", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT);
            // Never answered. While it hangs, two minutes pass: the deadline (45 s) falls due
            // before the request's own timeout (60 s for a refreshing GET), so only the deadline
            // may end the call, and nothing may follow it.
            fake.inject({
                method: "GET",
                path: /applications/,
                hang: true,
                times: 1,
                onHang: () => clock.advance(120_000),
            });
            const e = await failure(provider().create(inputs({ timeoutSeconds: 45 })));
            assert.ok(isArgoCdSyncError(e) && e.reason === "timeout", e.message);
            assert.match(
                e.message,
                /Timed out \(timeoutSeconds=45\) while working on Argo CD app argocd\/cc-wc1/,
            );
            assert.match(e.message, /GET \/api\/v1\/applications\/\{name\}/);
            assert.equal(fake.count("GET", /applications/), 1, "no retry after the deadline");
            assert.equal(fake.count("POST", /sync$/), 0);
        });

        it("rides out 5xx flapping and resets while polling", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT);
            fake.inject({ method: "GET", path: /^\/api\/v1\/clusters$/, status: 503, times: 1 });
            fake.inject({ method: "POST", path: /sync$/, status: 502, times: 1 });
            fake.inject({ method: "GET", path: /applications/, status: 504, times: 2 });
            fake.inject({ method: "GET", path: /applications/, destroy: true, times: 1 });
            const res = await provider().create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).healthStatus, "Healthy");
            assert.equal(fake.count("POST", /sync$/), 2);
        });

        it("401 expired token: fails at the first call, says how to fix it, no token in the text", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT);
            const e = await failure(provider({ token: fake.expiredToken }).create(inputs()));
            assert.ok(isArgoCdApiError(e) && e.reason === "unauthenticated", e.message);
            assert.equal(fake.requests.length, 1);
            assert.match(e.message, /token is expired/);
            assert.match(e.message, /argocd account generate-token --account pulumi-ci/);
            assert.ok(!e.message.includes(fake.expiredToken));
        });

        it("403 on the app with project= is RBAC, with the policy.csv line", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT).denySync = true;
            const e = await failure(provider().create(inputs()));
            assert.ok(isArgoCdApiError(e) && e.reason === "permission-denied", e.message);
            assert.match(
                e.message,
                /account pulumi-ci lacks `applications, sync` on `clusters\/cc-wc1`/,
            );
            assert.match(e.message, /p, role:pulumi-ci, applications, sync, clusters\/\*, allow/);
        });

        it("fails with a clear message when no token is configured", async () => {
            const e = await failure(new ArgoCdAppSyncProvider({ clock }).create(inputs()));
            assert.match(e.message, /pulumi config set --secret cluster-fleet:argocdToken/);
            assert.equal(fake.requests.length, 0);
        });

        it("update syncs again and returns the full outputs", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            const p = provider();
            const first = await p.create(inputs());
            const res = await p.update(
                first.id,
                first.outs as ArgoCdAppSyncOutputs,
                inputs({ trigger: "spec-hash-2" }),
            );
            assert.equal(fa.syncRequests.length, 2);
            assert.equal(res.outs?.trigger, "spec-hash-2");
            assert.equal(res.outs?.syncStatus, "Synced");
        });
    });

    describe("another operation is already in progress", () => {
        it("an auto-sync is running: waits for it, then takes its result without a second sync", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            foreignOperation({ automated: true })(fa.app);
            fa.frames = [];
            // Frames play on GETs: the visibility GET, the initiator GET, then polls.
            fa.onSync = [];
            fa.frames = [
                () => undefined,
                () => undefined,
                opRunning("waiting for healthy state of apps/Deployment/tigera-operator"),
                SUCCEEDED,
            ];
            const res = await provider().create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).healthStatus, "Healthy");
            assert.equal(fake.count("POST", /sync$/), 1);
            assert.equal(fa.syncRequests.length, 0, "our sync was refused once and not repeated");
        });

        it("an auto-sync ends Failed on the same revision: one explicit sync, which succeeds", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            foreignOperation({ automated: true })(fa.app);
            fa.frames = [
                () => undefined,
                () => undefined,
                opFinished("Failed", "one or more objects failed to apply (retried 5 times).", {
                    sync: "OutOfSync",
                    health: "Progressing",
                }),
            ];
            const res = await provider().create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).operationPhase, "Succeeded");
            assert.equal(fake.count("POST", /sync$/), 2);
            assert.equal(fa.syncRequests.length, 1);
        });

        it("our own earlier operation (same account) is awaited too", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            foreignOperation({ username: "pulumi-ci" })(fa.app);
            fa.frames = [() => undefined, () => undefined, SUCCEEDED];
            const res = await provider().create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).healthStatus, "Healthy");
            assert.equal(fake.count("POST", /sync$/), 1);
        });

        it("someone else's operation: reported (who, when, phase, message), never looped on", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            foreignOperation({ username: "alice" })(fa.app);
            const e = await failure(provider().create(inputs()));
            assert.ok(isArgoCdSyncError(e) && e.reason === "foreign-operation", e.message);
            assert.match(e.message, /started by user alice at 2026-/);
            assert.match(e.message, /phase Running: waiting for healthy state/);
            assert.match(e.message, /argocd app terminate-op/);
            assert.equal(fake.count("POST", /sync$/), 1);
        });

        it("an auto-sync that keeps restarting ends with an error after a bounded number of rounds", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            foreignOperation({ automated: true })(fa.app);
            // Each of our syncs is refused because a new auto-sync has just started.
            fake.inject({
                method: "POST",
                path: /sync$/,
                status: 400,
                body: { code: 9, message: "another operation is already in progress" },
                times: 10,
            });
            const failed = opFinished("Failed", "boom (retried 1 times).", {
                sync: "OutOfSync",
                health: "Progressing",
            });
            // GETs: visibility, initiator, poll (Failed), initiator (restarted), poll (Failed), initiator.
            fa.frames = [
                () => undefined,
                () => undefined,
                failed,
                foreignOperation({ automated: true }),
                failed,
                () => undefined,
            ];
            const e = await failure(provider().create(inputs()));
            assert.ok(isArgoCdSyncError(e) && e.reason === "foreign-operation", e.message);
            assert.match(e.message, /kept restarting/);
            assert.equal(fake.count("POST", /sync$/), 3);
        });
    });

    describe("configure, check, diff, read, delete", () => {
        it("configure reads the token from the secret stack config key cluster-fleet:argocdToken", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT);
            const asked: string[] = [];
            const p = new ArgoCdAppSyncProvider({ clock });
            await p.configure({
                config: {
                    get: (k: string) => {
                        asked.push(k);
                        return k === "cluster-fleet:argocdToken" ? fake.token : undefined;
                    },
                    require: () => {
                        throw new Error("not used");
                    },
                },
            });
            assert.equal(ARGOCD_TOKEN_CONFIG_KEY, "cluster-fleet:argocdToken");
            assert.deepEqual(asked, ["cluster-fleet:argocdToken"]);
            const res = await p.create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).syncStatus, "Synced");
        });

        it("check names each bad field and how to fix it", async () => {
            const r = await provider().check(inputs(), {
                ...inputs(),
                argocdUrl: "http://argocd.example.net",
                clusterServer: "10.0.0.10:6443",
                appName: "",
                caPem: "not a pem",
                timeoutSeconds: -1,
                syncOptions: ["nope"],
                retry: {
                    limit: 1.5,
                    backoff: { duration: "5 seconds", factor: 0, maxDuration: "3m" },
                },
            } as ArgoCdAppSyncInputs);
            const props = (r.failures ?? []).map((f) => f.property).sort();
            assert.deepEqual(props, [
                "appName",
                "argocdUrl",
                "caPem",
                "clusterServer",
                "retry.backoff.duration",
                "retry.backoff.factor",
                "retry.limit",
                "syncOptions",
                "timeoutSeconds",
            ]);
            assert.match(
                r.failures?.find((f) => f.property === "argocdUrl")?.reason ?? "",
                /https:\/\//,
            );
        });

        it("check normalizes URLs and accepts unknowns during preview", async () => {
            const p = provider();
            const ok = await p.check(
                inputs(),
                inputs({ clusterServer: SERVER + "/", argocdUrl: fake.url + "//" }),
            );
            assert.equal(ok.failures, undefined);
            assert.equal(ok.inputs?.clusterServer, SERVER);
            assert.equal(ok.inputs?.argocdUrl, fake.url);
            const unk = await p.check(
                inputs(),
                inputs({ clusterServer: UNKNOWN, trigger: UNKNOWN, appName: UNKNOWN }),
            );
            assert.equal(unk.failures, undefined);
            assert.equal(unk.inputs?.clusterServer, UNKNOWN);
        });

        it("diff compares inputs only: not __provider, not timeouts, not observed status", async () => {
            const p = provider();
            const olds = {
                ...inputs(),
                __provider: "old closure",
                syncStatus: "Synced",
                healthStatus: "Healthy",
                revision: "a",
                operationPhase: "Succeeded",
                syncedAt: "t",
            } as ArgoCdAppSyncOutputs;
            const same = await p.diff("argocd/cc-wc1", olds, {
                ...inputs({ timeoutSeconds: 999, clusterReadyTimeoutSeconds: 60 }),
                __provider: "new closure",
            } as ArgoCdAppSyncInputs);
            assert.equal(same.changes, false);
            const trig = await p.diff("argocd/cc-wc1", olds, inputs({ trigger: "spec-hash-2" }));
            assert.equal(trig.changes, true);
            assert.deepEqual(trig.replaces, []);
            const renamed = await p.diff("argocd/cc-wc1", olds, inputs({ appName: "cc-wc2" }));
            assert.deepEqual(renamed.replaces, ["appName"]);
            const retry = await p.diff(
                "argocd/cc-wc1",
                olds,
                inputs({
                    retry: { limit: 5, backoff: { duration: "5s", factor: 2, maxDuration: "3m" } },
                }),
            );
            assert.equal(retry.changes, true);
        });

        it("read reports current sync/health (drift shows on refresh) and drops a deleted app", async () => {
            fake.addCluster(SERVER);
            const fa = fake.addApp(APP, PROJECT);
            const p = provider();
            const created = await p.create(inputs());
            const outs = created.outs as ArgoCdAppSyncOutputs;
            appHealth("OutOfSync", "Degraded")(fa.app);
            const r = await p.read(created.id, outs);
            assert.equal(r.id, created.id);
            assert.equal(r.props?.syncStatus, "OutOfSync");
            assert.equal(r.props?.healthStatus, "Degraded");
            assert.equal(r.props?.trigger, "spec-hash-1");
            assert.equal((r.inputs as Record<string, unknown> | undefined)?.syncStatus, undefined);
            assert.equal(r.inputs?.appName, APP);
            fake.apps.delete(APP);
            assert.deepEqual(await p.read(created.id, outs), {});
        });

        it("delete is a no-op that makes no call", async () => {
            await provider().delete();
            assert.equal(fake.requests.length, 0);
        });
    });

    describe("serialization and secrets", () => {
        /** The provider as the provider host loads it, configured with the token from config. */
        const serializedCopy = async (
            options: ArgoCdAppSyncProviderOptions = { clock },
        ): Promise<ArgoCdAppSyncProvider> => {
            const p = new ArgoCdAppSyncProvider(options);
            const sf = await pulumi.runtime.serializeFunction(() => p);
            assertNoToken(sf.text);
            const copy = requireFromString(sf.text).handler() as ArgoCdAppSyncProvider;
            await copy.configure({
                config: {
                    get: (k: string) => (k === ARGOCD_TOKEN_CONFIG_KEY ? fake.token : undefined),
                    require: (k: string) => {
                        throw new Error(`missing ${k}`);
                    },
                },
            });
            return copy;
        };

        it("survives serializeFunction; the token is not in the closure and comes from configure()", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT);
            const copy = await serializedCopy();
            const res = await copy.create(inputs());
            assert.equal((res.outs as ArgoCdAppSyncOutputs).healthStatus, "Healthy");
            const d = await copy.diff(res.id, res.outs as ArgoCdAppSyncOutputs, inputs());
            assert.equal(d.changes, false);
            // Errors from the copy are typed and redacted as well.
            fake.apps.get(APP)!.denySync = true;
            const e = await failure(
                copy.update(res.id, res.outs as ArgoCdAppSyncOutputs, inputs()),
            );
            assert.equal(fake.count("POST", /sync$/), 2, "a 403 is not retried by the copy either");
            // Network resets are retried and TLS failures classified in the copy too.
            fake.apps.get(APP)!.denySync = false;
            fake.inject({ method: "GET", path: /clusters$/, destroy: true, times: 1 });
            await copy.update(res.id, res.outs as ArgoCdAppSyncOutputs, inputs());
            const other = createTestCa("another CA");
            const t = await failure(copy.create(inputs({ caPem: other.certPem })));
            assert.ok(isArgoCdApiError(t) && t.reason === "tls", t.message);
            assert.ok(isArgoCdApiError(e) && e.reason === "permission-denied", e.message);
            assertNoToken(e.message);
            // With the production clock (wall time, real request timeouts) too.
            const real = await serializedCopy({});
            const r = await real.read(res.id, res.outs as ArgoCdAppSyncOutputs);
            assert.equal(r.props?.healthStatus, "Healthy");
        });

        it("the serialized copy builds the TLS trust once for its CA across create and update", async () => {
            fake.addCluster(SERVER);
            fake.addApp(APP, PROJECT);
            const copy = await serializedCopy();
            const built = await recordTrustBuilds(async () => {
                const res = await copy.create(inputs());
                await copy.update(res.id, res.outs as ArgoCdAppSyncOutputs, inputs());
                // The original in the same process shares the copy's trust.
                await provider().read(res.id, res.outs as ArgoCdAppSyncOutputs);
            });
            assert.ok(fake.connections >= 2, `only ${fake.connections} connections`);
            assert.deepEqual(built, [fake.caPem]);
        });

        it("no error text from any failing case contains the token", async () => {
            fake.addCluster(SERVER, "Failed", `bad token ${fake.token}`);
            fake.addApp(APP, PROJECT);
            const e = await failure(provider().create(inputs()));
            assertNoToken(e.message);
            assert.match(e.message, /bad token \[redacted\]/);
        });
    });

    describe("ArgoCdAppSync resource", () => {
        const registered: pulumi.runtime.MockResourceArgs[] = [];
        before(async () => {
            await pulumi.runtime.setMocks(
                {
                    newResource: (a) => {
                        registered.push(a);
                        return { id: `${a.name}-id`, state: { ...a.inputs } };
                    },
                    call: (a) => {
                        throw new Error(`Mock not implemented: ${a.token}`);
                    },
                },
                "cluster-fleet",
                "eu1",
                false,
            );
        });

        it("registers as pulumi-nodejs:dynamic/fleet:ArgoCdAppSync with the inputs, without a token", async () => {
            const r = new ArgoCdAppSync("cc-wc1-sync", {
                argocdUrl: "https://argocd.eu1.example.net",
                project: PROJECT,
                appName: APP,
                appNamespace: "argocd",
                clusterServer: SERVER,
                trigger: pulumi.output("hash"),
            });
            const urn = await new Promise<string>((resolve) => r.urn.apply(resolve));
            assert.match(
                urn,
                new RegExp(`::${types.ArgoCdAppSync.replace(/[/]/g, "\\/")}::cc-wc1-sync$`),
            );
            const reg = registered.find((a) => a.name === "cc-wc1-sync")!;
            assert.equal(reg.type, types.ArgoCdAppSync);
            assert.equal(reg.inputs.appName, APP);
            assert.equal(reg.inputs.clusterServer, SERVER);
            assert.equal(reg.inputs.trigger, "hash");
            assert.equal(reg.inputs.project, PROJECT);
            // The token reaches the provider through configure() only: not an input, not in
            // the serialized provider closure.
            assert.equal("token" in reg.inputs, false);
            assert.equal(typeof reg.inputs.__provider, "string");
            assert.ok(
                (reg.inputs.__provider as string).length > 1000,
                "provider closure serialized",
            );
            assertNoToken(JSON.stringify(reg.inputs));
        });
    });
});
