// Kubernetes release versions as CAPI writes them ("v1.34.2").

export interface KubeVersion {
    readonly major: number;
    readonly minor: number;
    readonly patch: number;
}

const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;

/** Parses "v1.34.2"; undefined for anything else (missing "v", pre-releases, missing patch). */
export function parseKubeVersion(v: unknown): KubeVersion | undefined {
    const m = typeof v === "string" ? VERSION.exec(v) : null;
    return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

/** "1.34" */
export function minorOf(v: KubeVersion): string {
    return `${v.major}.${v.minor}`;
}
