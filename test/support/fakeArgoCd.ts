// A small stateful Argo CD API server (node:https on 127.0.0.1, certificate from a test CA) that
// answers the way Argo CD v3.5 does per ../shared/notes/argocd.md: bearer JWT auth (401 for an
// expired token), 403 for a missing cluster, 403/404 for a missing app without/with `project=`,
// 400 "another operation is already in progress", grpc-gateway error bodies. Tests script it per
// case: per-GET app status frames, per-list cluster states, and injected faults.
// Status shapes are those the real Argo CD v3.5.7 wrote in the lab (test/e2e/argocd.e2e.ts): the
// app has cluster-config's two sources, so revisions come per source (`revisions`, `revision`
// empty); status.resources omit syncWave 0; syncResult entries always have group, version and
// namespace (the destination's for cluster-scoped objects) and a hookPhase, and only hooks a
// hookType. Scripted entries are completed to that shape (realSyncResult, realResources).
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { components } from "../../components/argocd/generated/argocd-api";
import { createTestCa } from "./pki";

export type Application = components["schemas"]["v1alpha1Application"];
export type Cluster = components["schemas"]["v1alpha1Cluster"];

function b64url(v: unknown): string {
    return Buffer.from(JSON.stringify(v)).toString("base64url");
}

/** A JWT-shaped token (Argo CD rejects anything that does not parse as a JWT). */
export function fakeJwt(sub: string, exp: number, secret = "sig"): string {
    const sig = Buffer.from(`${secret}-${sub}-${exp}`).toString("base64url");
    return `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ iss: "argocd", sub: `${sub}:apiKey`, exp, jti: "t1" })}.${sig}`;
}

export interface RecordedRequest {
    readonly method: string;
    readonly path: string;
    readonly query: URLSearchParams;
    readonly body: unknown;
    /** The Authorization header as received (tests assert the bearer token was sent). */
    readonly authorization?: string;
}

export interface Fault {
    readonly method?: string;
    readonly path?: RegExp;
    /** HTTP status of the injected answer; ignored with `destroy`. */
    readonly status?: number;
    readonly body?: unknown;
    readonly headers?: Record<string, string>;
    /** Reset the connection instead of answering (a network error). */
    readonly destroy?: boolean;
    /** Sent as the body verbatim (not JSON-encoded), e.g. a proxy's HTML page. */
    readonly raw?: string;
    /** Answer only after this delay. */
    readonly delayMs?: number;
    /** Never answer (the connection stays open until the server closes): for timeouts. */
    readonly hang?: boolean;
    /** Called when a request is left hanging: a test on a virtual clock advances it here. */
    readonly onHang?: () => void;
    times: number;
}

/** A mutation applied to the app on one GET; the last frame's state sticks. */
export type AppFrame = (app: Application) => void;

export interface FakeApp {
    app: Application;
    /** GETs that answer 404 before the app becomes visible (ApplicationSet not reconciled yet). */
    hiddenForGets: number;
    /** The account lacks `applications, get|sync`: 403 even with project=. */
    denyGet: boolean;
    denySync: boolean;
    /** Frames played on the GETs after the next accepted sync. */
    onSync: AppFrame[];
    /** Frames being played, one per GET. */
    frames: AppFrame[];
    syncRequests: unknown[];
}

export interface FakeCluster {
    cluster: Cluster;
    /** Mutations applied one per list call, like the controller's 10 s cluster-info updater. */
    frames: ((c: Cluster) => void)[];
    /** GET by id answers 403 even though the list shows it (RBAC on the GET only). */
    denyGet: boolean;
}

export interface FakeArgoCd {
    readonly url: string;
    readonly caPem: string;
    readonly account: string;
    readonly token: string;
    readonly expiredToken: string;
    readonly requests: RecordedRequest[];
    readonly apps: Map<string, FakeApp>;
    readonly clusters: FakeCluster[];
    readonly faults: Fault[];
    /** TLS connections accepted so far. */
    readonly connections: number;
    addCluster(server: string, status?: string, message?: string): FakeCluster;
    addApp(name: string, project: string, namespace?: string): FakeApp;
    inject(fault: Fault): void;
    count(method: string, path: RegExp): number;
    close(): Promise<void>;
}

let clock = Date.parse("2026-05-01T10:00:00Z");
/** Monotonic RFC 3339 (second precision, as Argo CD writes it) timestamps. */
export function nextTime(): string {
    clock += 1000;
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function grpcError(code: number, message: string) {
    return { error: message, code, message, details: [] };
}

const STATUS_OF: Record<number, number> = { 3: 400, 5: 404, 7: 403, 9: 400, 13: 500, 16: 401 };

type Source = components["schemas"]["v1alpha1ApplicationSource"];
type ResourceResult = components["schemas"]["v1alpha1ResourceResult"];
type ResourceStatus = components["schemas"]["applicationv1alpha1ResourceStatus"];

/** The chart version of the fake's cluster-config app (its first source). */
export const FAKE_CHART_VERSION = "v3.30.3";
/** Namespace of the fake app's destination (cluster-config's: tigera-operator). */
export const FAKE_DESTINATION_NAMESPACE = "tigera-operator";

/** cluster-config's two sources: the tigera-operator chart and the git path. */
export function clusterConfigSources(gitRevision = "main"): Source[] {
    return [
        {
            repoURL: "https://charts.example.test/calico",
            chart: "tigera-operator",
            targetRevision: FAKE_CHART_VERSION,
        },
        {
            repoURL: "https://git.example.test/fleet.git",
            path: "cluster-config",
            targetRevision: gitRevision,
        },
    ];
}

/** The commit the fake's git source resolves to unless a test says otherwise. */
export const FAKE_COMMIT = "4f2c0de9a81b7c6d5e4f3a2b1c0d9e8f7a6b5c4d";

/**
 * Where the real Argo CD puts the revision: `revision` for a single-source app; for a
 * multi-source one an empty `revision` and `revisions`, one per source (git: the commit).
 */
function revisionFields(app: Application, gitRevision: string) {
    if (!app.spec?.sources?.length) {
        return { revision: gitRevision };
    }
    return {
        revision: "",
        revisions: app.spec.sources.map((s) => (s.chart ? (s.targetRevision ?? "") : gitRevision)),
    };
}

/** Scripted syncResult entries in the real shape (see the header). */
export function realSyncResult(app: Application, rs: readonly ResourceResult[]): ResourceResult[] {
    const dest = app.spec?.destination?.namespace ?? "";
    return rs.map((r) => ({
        ...r,
        group: r.group ?? "",
        version: r.version ?? "v1",
        namespace: r.namespace ?? dest,
        hookPhase: r.hookPhase ?? (r.status === "SyncFailed" ? "Failed" : "Succeeded"),
        syncPhase: r.syncPhase ?? (r.hookType ? r.hookType : "Sync"),
    }));
}

/** Scripted status.resources in the real shape: syncWave 0 is omitted. */
export function realResources(rs: readonly ResourceStatus[] | undefined) {
    return rs?.map((r) => {
        const { syncWave, ...rest } = r;
        return Number(syncWave ?? 0) === 0 ? rest : r;
    });
}

// ---- App state helpers: what the controller writes --------------------------------------------

export function opRunning(message: string, retryCount = 0): AppFrame {
    return (app) => {
        const prev = app.status?.operationState;
        app.status = {
            ...app.status,
            operationState: {
                ...prev,
                phase: "Running",
                message,
                retryCount,
                startedAt: prev?.startedAt ?? nextTime(),
                operation: app.operation ?? prev?.operation,
            },
        };
    };
}

/** Running again with the retry message Argo CD writes between attempts. */
export function opRetrying(attempt: number, cause: string): AppFrame {
    return opRunning(`${cause}. Retrying attempt #${attempt} at 3:04PM.`, attempt);
}

export interface FinishOptions {
    readonly sync: string;
    readonly health: string;
    /** The git commit synced (the chart keeps its version); default FAKE_COMMIT. */
    readonly revision?: string;
    readonly syncResources?: components["schemas"]["v1alpha1ResourceResult"][];
    readonly resources?: components["schemas"]["applicationv1alpha1ResourceStatus"][];
    readonly retryCount?: number;
}

/** The operation ends: `operation` cleared, finishedAt set and the app re-compared. */
export function opFinished(phase: string, message: string, o: FinishOptions): AppFrame {
    return (app) => {
        const prev = app.status?.operationState;
        const finishedAt = nextTime();
        const revs = revisionFields(app, o.revision ?? FAKE_COMMIT);
        const op = app.operation ?? prev?.operation;
        delete app.operation;
        app.status = {
            ...app.status,
            reconciledAt: finishedAt,
            sync: {
                status: o.sync,
                ...revs,
                comparedTo: { sources: app.spec?.sources, destination: app.spec?.destination },
            },
            health: { status: o.health },
            resources: realResources(o.resources) ?? app.status?.resources,
            operationState: {
                ...prev,
                phase,
                message,
                retryCount: o.retryCount ?? prev?.retryCount ?? 0,
                startedAt: prev?.startedAt ?? finishedAt,
                finishedAt,
                operation: op,
                syncResult: {
                    ...revs,
                    sources: app.spec?.sources,
                    resources: realSyncResult(app, o.syncResources ?? []),
                },
            },
        };
    };
}

/** Sets health/sync without touching the operation (e.g. Synced but Degraded for a while). */
export function appHealth(
    sync: string,
    health: string,
    resources?: components["schemas"]["applicationv1alpha1ResourceStatus"][],
): AppFrame {
    return (app) => {
        app.status = {
            ...app.status,
            reconciledAt: nextTime(),
            sync: { ...app.status?.sync, status: sync },
            health: { status: health },
            resources: realResources(resources) ?? app.status?.resources,
        };
    };
}

/** An operation another party started (auto-sync or a user), currently running. */
export function foreignOperation(by: { automated?: boolean; username?: string }): AppFrame {
    return (app) => {
        const { revision, revisions } = revisionFields(app, FAKE_COMMIT);
        app.operation = {
            sync: revisions ? { revisions } : { revision },
            initiatedBy: by,
        };
        app.status = {
            ...app.status,
            operationState: {
                phase: "Running",
                message: "waiting for healthy state of apps/Deployment/tigera-operator",
                startedAt: nextTime(),
                operation: app.operation,
            },
        };
    };
}

export const SUCCEEDED = opFinished("Succeeded", "successfully synced (all tasks run)", {
    sync: "Synced",
    health: "Healthy",
});

// ---- Server ------------------------------------------------------------------------------------

export async function startFakeArgoCd(
    opts: { account?: string; token?: string } = {},
): Promise<FakeArgoCd> {
    const ca = createTestCa("fake Argo CD CA");
    const leaf = ca.issue("argocd-server", "server");
    const account = opts.account ?? "pulumi-ci";
    const far = Math.floor(Date.now() / 1000) + 86400;
    const token = opts.token ?? fakeJwt(account, far);
    const expiredToken = fakeJwt(account, 1_600_000_000, "old");
    const requests: RecordedRequest[] = [];
    const apps = new Map<string, FakeApp>();
    const clusters: FakeCluster[] = [];
    const faults: Fault[] = [];

    const send = (
        res: import("node:http").ServerResponse,
        status: number,
        body: unknown,
        headers: Record<string, string> = {},
    ) => {
        const text = JSON.stringify(body ?? {});
        res.writeHead(status, {
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(text),
            ...headers,
        });
        res.end(text);
    };
    const err = (res: import("node:http").ServerResponse, code: number, message: string) =>
        send(res, STATUS_OF[code] ?? 500, grpcError(code, message));

    const route = (
        method: string,
        path: string,
        query: URLSearchParams,
        body: unknown,
        res: import("node:http").ServerResponse,
    ) => {
        if (method === "GET" && path === "/api/version") {
            return send(res, 200, { Version: "v3.5.1+109ca7c" });
        }
        if (method === "GET" && path === "/api/v1/clusters") {
            const server = query.get("server");
            const items = clusters
                .filter((c) => !server || c.cluster.server === server)
                .map((c) => {
                    const f = c.frames.shift();
                    if (f) {
                        f(c.cluster);
                    }
                    return c.cluster;
                });
            return send(res, 200, { metadata: {}, items });
        }
        let m = /^\/api\/v1\/clusters\/([^/]+)$/.exec(path);
        if (method === "GET" && m) {
            const server = decodeURIComponent(m[1]);
            const c = clusters.find((x) => x.cluster.server === server);
            if (!c || c.denyGet) {
                return err(res, 7, "permission denied");
            }
            return send(res, 200, c.cluster);
        }
        m = /^\/api\/v1\/applications\/([^/]+)$/.exec(path);
        if (method === "GET" && m) {
            const fa = apps.get(decodeURIComponent(m[1]));
            const projects = query.getAll("project");
            if (projects.length === 0) {
                // Without a project Argo CD cannot tell missing from forbidden.
                if (!fa || fa.denyGet || fa.hiddenForGets > 0) {
                    if (fa && fa.hiddenForGets > 0) {
                        fa.hiddenForGets--;
                    }
                    return err(res, 7, "permission denied");
                }
            }
            if (projects.length > 1) {
                return err(res, 3, "multiple projects specified");
            }
            if (fa?.denyGet) {
                return err(res, 7, "permission denied");
            }
            if (!fa || fa.hiddenForGets > 0 || fa.app.spec?.project !== projects[0]) {
                if (fa && fa.hiddenForGets > 0) {
                    fa.hiddenForGets--;
                }
                return err(
                    res,
                    5,
                    `applications.argoproj.io "${decodeURIComponent(m[1])}" not found`,
                );
            }
            const f = fa.frames.shift();
            if (f) {
                f(fa.app);
            }
            return send(res, 200, fa.app);
        }
        m = /^\/api\/v1\/applications\/([^/]+)\/sync$/.exec(path);
        if (method === "POST" && m) {
            const fa = apps.get(decodeURIComponent(m[1]));
            if (!fa || fa.denyGet || fa.denySync) {
                return err(res, 7, "permission denied");
            }
            if (fa.app.operation) {
                return err(res, 9, "another operation is already in progress");
            }
            fa.syncRequests.push(body);
            const req = body as { retryStrategy?: unknown; prune?: boolean };
            // The server resolves each source's target revision into the operation.
            const sources = fa.app.spec?.sources;
            fa.app.operation = {
                sync: {
                    prune: req.prune,
                    ...(sources?.length
                        ? { revisions: sources.map((x) => x.targetRevision ?? "") }
                        : { revision: fa.app.spec?.source?.targetRevision ?? "" }),
                },
                retry: req.retryStrategy as components["schemas"]["v1alpha1RetryStrategy"],
                initiatedBy: { username: account },
            };
            // The server clears the previous operation state on a new sync.
            fa.app.status = { ...fa.app.status, operationState: undefined };
            fa.frames = [...fa.onSync];
            return send(res, 200, fa.app);
        }
        m = /^\/api\/v1\/applications\/([^/]+)\/operation$/.exec(path);
        if (method === "DELETE" && m) {
            const fa = apps.get(decodeURIComponent(m[1]));
            if (!fa || fa.denySync) {
                return err(res, 7, "permission denied");
            }
            if (!fa.app.operation) {
                return err(res, 9, "Unable to terminate operation. No operation is in progress");
            }
            opFinished("Failed", "Operation terminated", {
                sync: "OutOfSync",
                health: "Progressing",
            })(fa.app);
            return send(res, 200, {});
        }
        return send(res, 404, grpcError(5, "Not Found"));
    };

    const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const u = new URL(req.url ?? "/", "https://127.0.0.1");
            const raw = Buffer.concat(chunks).toString("utf8");
            let body: unknown = undefined;
            try {
                body = raw ? JSON.parse(raw) : undefined;
            } catch {
                body = raw;
            }
            const method = req.method ?? "GET";
            const auth = req.headers.authorization ?? "";
            requests.push({
                method,
                path: u.pathname,
                query: u.searchParams,
                body,
                authorization: req.headers.authorization,
            });
            const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
            if (!bearer || bearer.split(".").length !== 3) {
                return send(res, 401, grpcError(16, "no session information"));
            }
            if (bearer === expiredToken) {
                return send(
                    res,
                    401,
                    grpcError(16, "invalid session: token has invalid claims: token is expired"),
                );
            }
            if (bearer !== token) {
                return send(res, 401, grpcError(16, "invalid session: token signature is invalid"));
            }
            const i = faults.findIndex(
                (f) =>
                    f.times > 0 &&
                    (!f.method || f.method === method) &&
                    (!f.path || f.path.test(u.pathname)),
            );
            if (i >= 0) {
                const f = faults[i];
                f.times--;
                const act = () => {
                    if (f.destroy) {
                        req.socket.destroy();
                        return;
                    }
                    if (f.raw !== undefined) {
                        res.writeHead(f.status ?? 200, {
                            "Content-Length": Buffer.byteLength(f.raw),
                            ...f.headers,
                        });
                        res.end(f.raw);
                        return;
                    }
                    if (f.status !== undefined) {
                        send(
                            res,
                            f.status,
                            f.body ?? grpcError(14, "upstream unavailable"),
                            f.headers,
                        );
                        return;
                    }
                    route(method, u.pathname, u.searchParams, body, res);
                };
                if (f.hang) {
                    f.onHang?.();
                    return;
                }
                if (f.delayMs) {
                    setTimeout(act, f.delayMs);
                } else {
                    act();
                }
                return;
            }
            route(method, u.pathname, u.searchParams, body, res);
        });
    });
    let connections = 0;
    server.on("secureConnection", () => connections++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;

    return {
        url: `https://127.0.0.1:${port}`,
        caPem: ca.certPem,
        account,
        token,
        expiredToken,
        requests,
        apps,
        clusters,
        faults,
        get connections() {
            return connections;
        },
        addCluster(serverUrl, status = "Successful", message = "") {
            const c: FakeCluster = {
                cluster: {
                    server: serverUrl,
                    name: "wc",
                    info: {
                        connectionState: { status, message, attemptedAt: nextTime() },
                        cacheInfo: status === "Successful" ? { lastCacheSyncTime: nextTime() } : {},
                    },
                },
                frames: [],
                denyGet: false,
            };
            clusters.push(c);
            return c;
        },
        addApp(name, project, namespace = "argocd") {
            const fa: FakeApp = {
                app: {
                    metadata: { name, namespace },
                    spec: {
                        project,
                        destination: {
                            server: "https://10.0.0.10:6443",
                            namespace: FAKE_DESTINATION_NAMESPACE,
                        },
                        sources: clusterConfigSources(),
                    },
                    status: {
                        reconciledAt: nextTime(),
                        sync: {
                            status: "OutOfSync",
                            revisions: [FAKE_CHART_VERSION, FAKE_COMMIT],
                        },
                        health: { status: "Missing" },
                    },
                },
                hiddenForGets: 0,
                denyGet: false,
                denySync: false,
                onSync: [
                    opRunning("waiting for healthy state of apps/Deployment/tigera-operator"),
                    SUCCEEDED,
                ],
                frames: [],
                syncRequests: [],
            };
            apps.set(name, fa);
            return fa;
        },
        inject(fault) {
            faults.push(fault);
        },
        count(method, path) {
            return requests.filter((r) => r.method === method && path.test(r.path)).length;
        },
        close() {
            server.closeAllConnections();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
