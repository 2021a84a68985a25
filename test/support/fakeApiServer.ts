// Fake Kubernetes API servers on 127.0.0.1 for provider tests and benchmarks: a management
// server that serves (or withholds) a `<cluster>-kubeconfig` Secret, and a workload server
// whose /readyz answers from a scripted status sequence.
import { createServer, Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { dump } from "js-yaml";
import { TestCert } from "./pki";

export interface KubeconfigSpec {
    readonly server: string;
    readonly caPem?: string;
    readonly token?: string;
    readonly cert?: TestCert;
    /** kubeconfig cluster entry name; CAPI uses the cluster name. */
    readonly name?: string;
    /** `tls-server-name`: the name the server certificate is verified against. */
    readonly tlsServerName?: string;
    readonly extraUser?: Record<string, unknown>;
}

/** Builds a kubeconfig YAML shaped like the one CAPI writes (`<name>-admin@<name>` context). */
export function buildKubeconfig(spec: KubeconfigSpec): string {
    const name = spec.name ?? "test";
    const user: Record<string, unknown> = { ...spec.extraUser };
    if (spec.token) {
        user.token = spec.token;
    }
    if (spec.cert) {
        user["client-certificate-data"] = Buffer.from(spec.cert.certPem).toString("base64");
        user["client-key-data"] = Buffer.from(spec.cert.keyPem).toString("base64");
    }
    const cluster: Record<string, unknown> = { server: spec.server };
    if (spec.caPem) {
        cluster["certificate-authority-data"] = Buffer.from(spec.caPem).toString("base64");
    }
    if (spec.tlsServerName) {
        cluster["tls-server-name"] = spec.tlsServerName;
    }
    return dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name, cluster }],
        users: [{ name: `${name}-admin`, user }],
        contexts: [
            { name: `${name}-admin@${name}`, context: { cluster: name, user: `${name}-admin` } },
        ],
        "current-context": `${name}-admin@${name}`,
        preferences: {},
    });
}

interface Running {
    readonly server: Server;
    readonly url: string;
    close(): Promise<void>;
}

async function listen(server: Server): Promise<Running> {
    const sockets = new Set<Socket>();
    server.on("connection", (s: Socket) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    // TLS handshake failures (e.g. a client that rejects our certificate) are expected here.
    server.on("tlsClientError", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        server,
        url: `https://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) {
                    s.destroy();
                }
                server.close(() => resolve());
            }),
    };
}

function send(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(text);
}

export interface FakeManagementOptions {
    readonly serverCert: TestCert;
    /** CA that signs accepted client certificates. */
    readonly clientCaPem?: string;
    /** Bearer token accepted. */
    readonly token?: string;
    readonly namespace: string;
    readonly clusterName: string;
    /** Workload kubeconfig YAML served as data.value; undefined serves 404. */
    kubeconfig?: string;
    /** Answer 404 for this many Secret GETs before serving the Secret. */
    readonly notFoundTimes?: number;
}

export interface FakeManagement {
    readonly url: string;
    /** Secret GETs received (authenticated or not). */
    secretGets: number;
    /** Requests rejected with 401. */
    unauthorized: number;
    /** Replaces or removes (undefined) the served kubeconfig. */
    setKubeconfig(kubeconfig: string | undefined): void;
    /** Called with the running count before each Secret GET is answered. */
    beforeSecretGet?: (count: number) => void;
    close(): Promise<void>;
}

/** A management API server that serves GET /api/v1/namespaces/<ns>/secrets/<cluster>-kubeconfig. */
export async function startFakeManagement(opts: FakeManagementOptions): Promise<FakeManagement> {
    let kubeconfig = opts.kubeconfig;
    const secretPath = `/api/v1/namespaces/${opts.namespace}/secrets/${opts.clusterName}-kubeconfig`;
    const state = { secretGets: 0, unauthorized: 0 };
    const fake: { -readonly [K in keyof FakeManagement]: FakeManagement[K] } = {
        url: "",
        get secretGets() {
            return state.secretGets;
        },
        get unauthorized() {
            return state.unauthorized;
        },
        setKubeconfig(k) {
            kubeconfig = k;
        },
        close: () => Promise.resolve(),
    };
    const server = createServer(
        {
            cert: opts.serverCert.certPem,
            key: opts.serverCert.keyPem,
            ca: opts.clientCaPem,
            // Like kube-apiserver: ask for a client certificate, decide on authentication later.
            requestCert: true,
            rejectUnauthorized: false,
        },
        (req: IncomingMessage, res: ServerResponse) => {
            const tls = req.socket as TLSSocket;
            const byCert = opts.clientCaPem !== undefined && tls.authorized;
            const byToken =
                opts.token !== undefined && req.headers.authorization === `Bearer ${opts.token}`;
            if (req.url === secretPath) {
                state.secretGets++;
                fake.beforeSecretGet?.(state.secretGets);
            }
            if (!byCert && !byToken) {
                state.unauthorized++;
                send(res, 401, {
                    kind: "Status",
                    status: "Failure",
                    reason: "Unauthorized",
                    code: 401,
                });
                return;
            }
            if (req.method !== "GET" || req.url !== secretPath) {
                send(res, 404, { kind: "Status", reason: "NotFound", code: 404 });
                return;
            }
            if (kubeconfig === undefined || state.secretGets <= (opts.notFoundTimes ?? 0)) {
                send(res, 404, {
                    kind: "Status",
                    reason: "NotFound",
                    message: `secrets "${opts.clusterName}-kubeconfig" not found`,
                    code: 404,
                });
                return;
            }
            send(res, 200, {
                apiVersion: "v1",
                kind: "Secret",
                type: "cluster.x-k8s.io/secret",
                metadata: { name: `${opts.clusterName}-kubeconfig`, namespace: opts.namespace },
                data: { value: Buffer.from(kubeconfig).toString("base64") },
            });
        },
    );
    const running = await listen(server);
    fake.url = running.url;
    fake.close = running.close;
    return fake;
}

export interface FakeWorkloadOptions {
    readonly serverCert: TestCert;
    /**
     * /readyz statuses in order; the last one repeats. Default [200].
     */
    readonly statuses?: number[];
}

export interface FakeWorkload {
    readonly url: string;
    /** /readyz requests received, with their arrival times (ms since epoch). */
    readonly readyzTimes: number[];
    /** From now on /readyz answers `status`. */
    setStatus(status: number): void;
    /** From now on new connections get this certificate. */
    setServerCert(cert: TestCert): void;
    close(): Promise<void>;
}

/** A workload API server with /readyz only. */
export async function startFakeWorkload(opts: FakeWorkloadOptions): Promise<FakeWorkload> {
    let statuses = opts.statuses ?? [200];
    const readyzTimes: number[] = [];
    const server = createServer(
        { cert: opts.serverCert.certPem, key: opts.serverCert.keyPem },
        (req: IncomingMessage, res: ServerResponse) => {
            if (req.url !== "/readyz") {
                send(res, 404, { code: 404 });
                return;
            }
            readyzTimes.push(Date.now());
            const status = statuses[Math.min(readyzTimes.length - 1, statuses.length - 1)];
            res.writeHead(status, { "Content-Type": "text/plain" });
            res.end(status === 200 ? "ok" : "[-]etcd failed: reason withheld\nreadyz check failed");
        },
    );
    const running = await listen(server);
    return {
        url: running.url,
        readyzTimes,
        setStatus(status) {
            statuses = [status];
        },
        setServerCert(cert) {
            server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
        },
        close: running.close,
    };
}

/** A 127.0.0.1 port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
    const { createServer: createTcp } = await import("node:net");
    const s = createTcp();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
}
