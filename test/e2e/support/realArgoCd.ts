// Helpers for the e2e against the lab's real Argo CD (test/e2e/argocd.e2e.ts): reads of its REST
// API with the lab account's token (TLS verified against the lab CA), a watch that records when
// objects appear on an API server, and the stack-file edit that points the copy at the lab.
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT } from "../../../components/constants";
import { httpsRequest } from "../../../components/providers/httpsProbe";
import type { KubeconfigTarget } from "../../../components/providers/kubeconfig";
import { type KubeObject, onWatchEvents, streamGet } from "./kube";

/** The lab Argo CD as scripts/lab/argocd.sh exports it (LAB_ARGOCD_*). */
export interface LabArgo {
    readonly url: string;
    readonly caPem: string;
    readonly token: string;
    readonly account: string;
    readonly project: string;
    readonly namespace: string;
    readonly gitUrl: string;
    readonly gitDir: string;
    readonly chartRepoUrl: string;
}

export function labArgoFromEnv(env: NodeJS.ProcessEnv = process.env): LabArgo {
    const need = (k: string): string => {
        const v = env[k];
        if (!v) {
            throw new Error(`${k} is not set: run through scripts/lab/argocd-e2e.sh`);
        }
        return v;
    };
    return {
        url: need("LAB_ARGOCD_URL"),
        caPem: fs.readFileSync(need("LAB_ARGOCD_CA_FILE"), "utf8"),
        token: fs.readFileSync(need("LAB_ARGOCD_TOKEN_FILE"), "utf8").trim(),
        account: need("LAB_ARGOCD_ACCOUNT"),
        project: need("LAB_ARGOCD_PROJECT"),
        namespace: need("LAB_ARGOCD_NAMESPACE"),
        gitUrl: need("LAB_ARGOCD_GIT_URL"),
        gitDir: need("LAB_ARGOCD_GIT_DIR"),
        chartRepoUrl: need("LAB_ARGOCD_CHART_REPO_URL"),
    };
}

/** A call to the Argo CD API, as the lab account unless `token` is given; status and parsed body. */
export async function argoCall(
    argo: LabArgo,
    method: string,
    apiPath: string,
    opts: { body?: unknown; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await httpsRequest({
        url: `${argo.url}${apiPath}`,
        method,
        body: opts.body,
        caPem: argo.caPem,
        token: opts.token ?? argo.token,
        timeoutMs: 60_000,
    });
    let body: Record<string, unknown> = {};
    try {
        body = JSON.parse(res.body) as Record<string, unknown>;
    } catch {
        body = { raw: res.body };
    }
    return { status: res.status, body };
}

export const argoGet = (argo: LabArgo, apiPath: string) => argoCall(argo, "GET", apiPath);

/** Sets keys of `cluster-fleet:argocd` in a stack file of the work copy (secure values kept). */
export function patchStackArgocd(
    workDir: string,
    stack: string,
    patch: Record<string, unknown>,
): void {
    const file = path.join(workDir, `Pulumi.${stack}.yaml`);
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    const key = `${PROJECT}:argocd`;
    doc.config[key] = { ...(doc.config[key] as Record<string, unknown>), ...patch };
    fs.writeFileSync(file, yaml.dump(doc));
}

export interface ObjectEvent {
    readonly type: string;
    readonly path: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    /** etcd revision of the event: one counter per API server, so comparable. */
    readonly revision: bigint;
    /** When the test received it (ms): comparable across API servers, roughly. */
    readonly at: number;
}

export interface ObjectWatch {
    /** Objects already present when their watch started (their creation was not observed). */
    readonly preexisting: ObjectEvent[];
    stop(): Promise<ObjectEvent[]>;
}

function readAll(res: import("node:http").IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        let s = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (s += c));
        res.on("end", () => resolve(s));
        res.on("error", reject);
    });
}

/**
 * Watches collection paths and records every event of the given types with its revision. A path whose API does
 * not exist yet (404: a CRD a sync will install) is retried every 100 ms until it does; objects
 * listed when a watch starts are reported as preexisting, so a lost race shows instead of passing.
 */
export function watchObjects(
    t: KubeconfigTarget,
    paths: readonly string[],
    types: readonly string[] = ["ADDED"],
): ObjectWatch {
    const seen: ObjectEvent[] = [];
    const preexisting: ObjectEvent[] = [];
    const open: ReturnType<typeof https.get>[] = [];
    let stopped = false;
    const toEvent = (type: string, p: string, o: KubeObject): ObjectEvent => ({
        type,
        path: p,
        kind: o.kind,
        namespace: o.metadata.namespace ?? "",
        name: o.metadata.name,
        revision: BigInt(o.metadata.resourceVersion ?? "0"),
        at: Date.now(),
    });
    const start = (p: string): void => {
        if (stopped) return;
        const retry = () => setTimeout(() => start(p), 100);
        open.push(
            streamGet(
                t,
                p,
                (res) => {
                    void readAll(res).then((body) => {
                        if (res.statusCode !== 200) {
                            retry();
                            return;
                        }
                        const list = JSON.parse(body) as {
                            kind: string;
                            metadata: { resourceVersion: string };
                            items: KubeObject[];
                        };
                        const kind = list.kind.replace(/List$/, "");
                        for (const o of list.items) {
                            preexisting.push(toEvent("LISTED", p, { ...o, kind }));
                        }
                        const rv = encodeURIComponent(list.metadata.resourceVersion);
                        open.push(
                            streamGet(
                                t,
                                `${p}?watch=1&resourceVersion=${rv}&timeoutSeconds=1800`,
                                (w) =>
                                    onWatchEvents<{ type: string; object: KubeObject }>(w, (ev) => {
                                        if (types.includes(ev.type)) {
                                            seen.push(toEvent(ev.type, p, ev.object));
                                        }
                                    }),
                                () => undefined,
                            ),
                        );
                    });
                },
                retry,
            ),
        );
    };
    for (const p of paths) start(p);
    return {
        preexisting,
        async stop() {
            await new Promise((r) => setTimeout(r, 500));
            stopped = true;
            for (const r of open) r.destroy();
            return [...seen];
        },
    };
}
