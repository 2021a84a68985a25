// A small stateful Argo CD API server (node:https on 127.0.0.1, certificate from a test CA) that
// answers the way Argo CD v3.5 does per ../shared/notes/argocd.md: bearer JWT auth (401 for an
// expired token), 403 for a missing cluster, 403/404 for a missing app without/with `project=`,
// 400 "another operation is already in progress", grpc-gateway error bodies. Tests script it per
// case: per-GET app status frames, per-list cluster states, and injected faults.
import * as https from "node:https";
import { createRequire } from "node:module";
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
        const revision = o.revision ?? "4f2c0de";
        const op = app.operation ?? prev?.operation;
        delete app.operation;
        app.status = {
            ...app.status,
            reconciledAt: finishedAt,
            sync: { status: o.sync, revision },
            health: { status: o.health },
            resources: o.resources ?? app.status?.resources,
            operationState: {
                ...prev,
                phase,
                message,
                retryCount: o.retryCount ?? prev?.retryCount ?? 0,
                startedAt: prev?.startedAt ?? finishedAt,
                finishedAt,
                operation: op,
                syncResult: { revision, resources: o.syncResources ?? [] },
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
            resources: resources ?? app.status?.resources,
        };
    };
}

/** An operation another party started (auto-sync or a user), currently running. */
export function foreignOperation(by: { automated?: boolean; username?: string }): AppFrame {
    return (app) => {
        app.operation = { sync: { revision: "4f2c0de" }, initiatedBy: by };
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

type CreateSecureContext = (typeof import("node:tls"))["createSecureContext"];
// The real module object (an `import * as` namespace is read-only): Node's tls.connect builds
// each connection's context through this export unless it is handed one.
const tlsModule = createRequire(__filename)("node:tls") as {
    createSecureContext: CreateSecureContext;
};

/** Runs `fn` while recording the `ca` option of every TLS context built, and returns them. */
export async function recordTrustBuilds(fn: () => Promise<unknown>): Promise<unknown[]> {
    const built: unknown[] = [];
    const original = tlsModule.createSecureContext;
    tlsModule.createSecureContext = (o) => {
        if (o?.ca !== undefined) {
            built.push(o.ca);
        }
        return original(o);
    };
    try {
        await fn();
    } finally {
        tlsModule.createSecureContext = original;
    }
    return built;
}

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
            fa.app.operation = {
                sync: { prune: req.prune },
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
                    spec: { project, destination: { server: "https://10.0.0.10:6443" } },
                    status: {
                        reconciledAt: nextTime(),
                        sync: { status: "OutOfSync", revision: "4f2c0de" },
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
