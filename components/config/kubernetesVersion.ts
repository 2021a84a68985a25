// Kubernetes versions cluster-fleet deploys, and the upstream version-skew rule.

/**
 * Minor versions we build workload clusters with: inside the CAPI v1.13 (CAPV v1.16) workload
 * range v1.30–v1.37 and inside the upstream support window at the time of writing.
 */
export const SUPPORTED_KUBERNETES_MINORS: readonly string[] = ["1.34", "1.35", "1.36"];

/** Kubelets may be up to three minors older than the API server, never newer (since 1.28). */
export const MAX_WORKER_MINOR_SKEW = 3;

const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;

export interface KubernetesVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
}

/** Parses "v1.34.2"; undefined when malformed (no "v", pre-release suffixes, missing patch). */
export function parseKubernetesVersion(v: string): KubernetesVersion | undefined {
    const m = VERSION.exec(v);
    return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

export function minorOf(v: KubernetesVersion): string {
    return `${v.major}.${v.minor}`;
}

/** Why `worker` may not run against a control plane at `controlPlane`, or undefined if it may. */
export function skewProblem(controlPlane: string, worker: string): string | undefined {
    const cp = parseKubernetesVersion(controlPlane);
    const w = parseKubernetesVersion(worker);
    if (!cp || !w) {
        return undefined;
    }
    if (w.major !== cp.major || w.minor > cp.minor) {
        return `workers (${worker}) must not be newer than the control plane (${controlPlane})`;
    }
    if (cp.minor - w.minor > MAX_WORKER_MINOR_SKEW) {
        return (
            `workers (${worker}) are more than ${MAX_WORKER_MINOR_SKEW} minor versions behind ` +
            `the control plane (${controlPlane})`
        );
    }
    return undefined;
}
