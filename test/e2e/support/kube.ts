// The lab's API servers as the e2e sees them: kubectl (v1.34, from the lab) for reads and dry
// runs, and a raw watch that records deletions with their etcd revisions.
import * as fs from "node:fs";
import type { IncomingMessage } from "node:http";
import * as https from "node:https";
import { labels } from "../../../components/constants";
import { httpsGet } from "../../../components/providers/httpsProbe";
import { KubeconfigTarget, parseKubeconfig } from "../../../components/providers/kubeconfig";
import { run, RunResult } from "./process";

export { apiserverRequests } from "../../../scripts/lab/kubeRest";

export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        uid?: string;
        resourceVersion?: string;
        creationTimestamp?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        finalizers?: string[];
    };
    [k: string]: unknown;
}

const KUBECTL_TIMEOUT_MS = 60_000;

export class Kube {
    readonly target: KubeconfigTarget;

    constructor(
        readonly name: string,
        readonly kubeconfig: string,
        private readonly kubectlBin: string,
    ) {
        this.target = parseKubeconfig(fs.readFileSync(kubeconfig, "utf8"), name);
    }

    kubectl(args: readonly string[], input?: string): Promise<RunResult> {
        return run(this.kubectlBin, ["--kubeconfig", this.kubeconfig, ...args], {
            cwd: process.cwd(),
            env: process.env,
            input,
            timeoutMs: KUBECTL_TIMEOUT_MS,
        });
    }

    /** `kubectl get ... -o json` items; a missing object is an error unless ignoreNotFound. */
    async get(args: readonly string[], ignoreNotFound = false): Promise<KubeObject[]> {
        const r = await this.kubectl([
            "get",
            ...args,
            "-o",
            "json",
            ...(ignoreNotFound ? ["--ignore-not-found"] : []),
        ]);
        if (r.code !== 0) {
            throw new Error(`${this.name}: kubectl get ${args.join(" ")}: ${r.stderr.trim()}`);
        }
        if (r.stdout.trim() === "") {
            return [];
        }
        const doc = JSON.parse(r.stdout) as KubeObject & { items?: KubeObject[] };
        return doc.items ?? [doc];
    }
}

/** "group/Kind namespace/name" (namespace empty for cluster-scoped objects) → uid. */
export type Inventory = Map<string, string>;

/** The inventory key of an object. */
export function inventoryKey(o: KubeObject): string {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    return `${group}/${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/**
 * Every object of every kind the API server lists, except Events (records of what happened,
 * not state): what "nothing is left" is checked against.
 */
export async function inventory(kube: Kube): Promise<Inventory> {
    const items = await kube.get([(await stateKinds(kube)).join(","), "-A"]);
    return new Map(items.map((o) => [inventoryKey(o), o.metadata.uid ?? ""]));
}

/** Every resource the API server lists (namespaced ones only if asked), except Events. */
export async function stateKinds(kube: Kube, namespacedOnly = false): Promise<string[]> {
    const r = await kube.kubectl([
        "api-resources",
        "--verbs=list",
        ...(namespacedOnly ? ["--namespaced=true"] : []),
        "-o",
        "name",
    ]);
    if (r.code !== 0) {
        throw new Error(`${kube.name}: kubectl api-resources: ${r.stderr.trim()}`);
    }
    return r.stdout
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && l !== "events" && l !== "events.events.k8s.io");
}

/** What changed between two inventories: keys added, removed, and kept with another uid. */
export function inventoryDiff(before: Inventory, after: Inventory) {
    const sorted = (xs: Iterable<string>) => [...xs].sort();
    return {
        added: sorted([...after.keys()].filter((k) => !before.has(k))),
        removed: sorted([...before.keys()].filter((k) => !after.has(k))),
        replaced: sorted(
            [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
        ),
    };
}

/** kubectl's resource argument for an apiVersion and kind: "Kind.version.group" or "Kind". */
export function resourceArg(apiVersion: string, kind: string): string {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    return group ? `${kind}.${version}.${group}` : kind;
}

/** Calls `each` with every JSON line of a watch stream (newline-delimited, as the API server sends). */
export function onWatchEvents<T>(res: IncomingMessage, each: (event: T) => void): void {
    let buf = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
        buf += c;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) each(JSON.parse(line) as T);
        }
    });
    res.on("error", () => undefined);
}

export interface Deletion {
    readonly path: string;
    readonly name: string;
    /** etcd revision of the delete: one counter for the whole API server, so comparable. */
    readonly revision: bigint;
}

export interface DeletionWatch {
    stop(): Promise<Deletion[]>;
}

interface WatchEvent {
    type: string;
    object: KubeObject;
}

async function getJson(t: KubeconfigTarget, path: string): Promise<Record<string, unknown>> {
    const res = await httpsGet({
        url: `${t.server}${path}`,
        caPem: t.caPem,
        certPem: t.auth.certPem,
        keyPem: t.auth.keyPem,
        token: t.auth.token,
        servername: t.tlsServerName,
        timeoutMs: 10_000,
    });
    if (res.status !== 200) {
        throw new Error(`GET ${path}: HTTP ${res.status}`);
    }
    return JSON.parse(res.body) as Record<string, unknown>;
}

/** A GET whose response is streamed to `onResponse` (a watch), TLS as the kubeconfig says. */
export function streamGet(
    t: KubeconfigTarget,
    urlPath: string,
    onResponse: (res: IncomingMessage) => void,
    onError: (e: Error) => void,
): ReturnType<typeof https.get> {
    const url = new URL(`${t.server}${urlPath}`);
    const req = https.get(
        {
            hostname: url.hostname,
            port: url.port,
            path: `${url.pathname}${url.search}`,
            ca: t.caPem,
            cert: t.auth.certPem,
            key: t.auth.keyPem,
            servername: t.tlsServerName,
            headers: t.auth.token ? { Authorization: `Bearer ${t.auth.token}` } : {},
        },
        onResponse,
    );
    req.on("error", onError);
    return req;
}

/**
 * Watches the given collection paths (e.g. /api/v1/namespaces/argocd/secrets) from their current
 * resourceVersion and records every DELETED event until stop().
 */
export async function watchDeletions(
    t: KubeconfigTarget,
    paths: readonly string[],
): Promise<DeletionWatch> {
    const deletions: Deletion[] = [];
    const requests: ReturnType<typeof https.get>[] = [];
    for (const path of paths) {
        const list = await getJson(t, path);
        const rv = (list.metadata as { resourceVersion: string }).resourceVersion;
        const watchPath = `${path}?watch=1&resourceVersion=${encodeURIComponent(rv)}&timeoutSeconds=900`;
        await new Promise<void>((resolve, reject) => {
            const req = streamGet(
                t,
                watchPath,
                (res) => {
                    if (res.statusCode !== 200) {
                        reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
                        return;
                    }
                    onWatchEvents<WatchEvent>(res, (ev) => {
                        if (ev.type === "DELETED") {
                            deletions.push({
                                path,
                                name: ev.object.metadata.name,
                                revision: BigInt(ev.object.metadata.resourceVersion ?? "0"),
                            });
                        }
                    });
                    resolve();
                },
                reject,
            );
            requests.push(req);
        });
    }
    return {
        async stop() {
            // Events already sent may still be in flight.
            await new Promise((r) => setTimeout(r, 500));
            for (const r of requests) r.destroy();
            return [...deletions];
        },
    };
}

/** The Argo CD cluster Secret cluster-fleet registered (the only one): its server and config. */
export async function argoClusterSecret(
    mgmt: Kube,
    namespace = "argocd",
): Promise<{
    server: string;
    config: { bearerToken: string; tlsClientConfig: { caData: string; insecure?: boolean } };
}> {
    const [cs] = await mgmt.get([
        "-n",
        namespace,
        "secrets",
        "-l",
        `${labels.argocdSecretType}=cluster`,
    ]);
    const data = cs.data as Record<string, string>;
    const decode = (k: string) => Buffer.from(data[k], "base64").toString("utf8");
    return { server: decode("server"), config: JSON.parse(decode("config")) };
}

/** GET with a bearer token and a CA (base64 PEM), as Argo CD would call the workload cluster. */
export function getWithBearer(
    server: string,
    caData: string,
    token: string,
    path: string,
): Promise<number> {
    return new Promise((resolve, reject) => {
        const url = new URL(`${server}${path}`);
        const req = https.get(
            {
                hostname: url.hostname,
                port: url.port,
                path: url.pathname,
                ca: Buffer.from(caData, "base64").toString("utf8"),
                headers: { Authorization: `Bearer ${token}` },
                timeout: 10_000,
            },
            (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
            },
        );
        req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
        req.on("error", reject);
    });
}
