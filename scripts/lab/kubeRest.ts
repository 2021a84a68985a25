// The few Kubernetes REST calls the lab's stand-ins make (capi-sim, machineBoot), TLS verified
// against the CA of the kubeconfig they are given.
import { HttpsResponse, httpsRequest } from "../../components/providers/httpsProbe";
import { KubeconfigTarget } from "../../components/providers/kubeconfig";

const REQUEST_TIMEOUT_MS = 10_000;

export interface ObjectMeta {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
}

export interface KubeObject {
    metadata: ObjectMeta;
    spec?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    status?: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    data?: Record<string, string>;
}

/** One request to a lab API server. */
export function request(
    target: KubeconfigTarget,
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
): Promise<HttpsResponse> {
    return httpsRequest({
        url: `${target.server}${path}`,
        method,
        body,
        contentType,
        caPem: target.caPem,
        certPem: target.auth.certPem,
        keyPem: target.auth.keyPem,
        token: target.auth.token,
        servername: target.tlsServerName,
        timeoutMs: REQUEST_TIMEOUT_MS,
    });
}

/** The items of a list; [] when the resource type is not served (404). */
export async function list(target: KubeconfigTarget, path: string): Promise<KubeObject[]> {
    const res = await request(target, "GET", path);
    if (res.status === 404) {
        return [];
    }
    if (res.status !== 200) {
        throw new Error(`GET ${path}: HTTP ${res.status}`);
    }
    return (JSON.parse(res.body) as { items: KubeObject[] }).items;
}

/** One object, or undefined when it does not exist. */
export async function get(target: KubeconfigTarget, path: string): Promise<KubeObject | undefined> {
    const res = await request(target, "GET", path);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return JSON.parse(res.body) as KubeObject;
}

/** Creates an object; an existing one (409) is left as it is. */
export async function create(
    target: KubeconfigTarget,
    path: string,
    body: unknown,
): Promise<boolean> {
    const res = await request(target, "POST", path, body);
    if (res.status === 409) return false;
    if (res.status !== 201)
        throw new Error(`POST ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    return true;
}

/** A JSON merge patch. */
export async function mergePatch(
    target: KubeconfigTarget,
    path: string,
    patch: unknown,
): Promise<number> {
    const res = await request(target, "PATCH", path, patch, "application/merge-patch+json");
    if (![200, 404, 409].includes(res.status)) {
        throw new Error(`PATCH ${path}: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
    }
    return res.status;
}

/**
 * Sum of the API server's `apiserver_request_total` samples whose labels include `want`, from
 * its /metrics (the admin client certificate is in system:masters). Non-resource paths such as
 * /readyz count under subresource="/readyz".
 */
export async function apiserverRequests(
    t: KubeconfigTarget,
    want: Readonly<Record<string, string>>,
): Promise<number> {
    const res = await request(t, "GET", "/metrics");
    if (res.status !== 200) {
        throw new Error(`GET /metrics: HTTP ${res.status}`);
    }
    let sum = 0;
    for (const line of res.body.split("\n")) {
        const m = /^apiserver_request_total\{([^}]*)\} (\S+)$/.exec(line);
        if (!m) continue;
        const labels = Object.fromEntries(
            [...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
        );
        if (Object.entries(want).every(([k, v]) => labels[k] === v)) {
            sum += Number(m[2]);
        }
    }
    return sum;
}

/** apiserver_request_total labels of a Secret GET that found nothing. */
export const SECRET_GET_404 = { verb: "GET", resource: "secrets", code: "404" } as const;
