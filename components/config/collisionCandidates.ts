// Which clusters may produce a name that another config key also produces, found without
// deriving every cluster's ~50 names (that dominated config validation at thousands of clusters).
// nameCollisions(generatedNames(...)) over the candidates alone gives exactly the collisions, in
// the same order, as over every cluster:
//
// Say r roots s when s === r or s starts with r + "-". Two roots of one string are related: equal,
// or the shorter one plus "-" starts the longer one (both start s, and s goes on with "-" after
// the shorter). The name forms of generatedNames.ts are
//   - a cluster c's own names: c + k, k from a list K that is the same for every cluster of the
//     region (k is "" or starts with "-"), or names rooted at argoClusterSecretName(c);
//   - the names of a pool p of c: rooted at c-p.
// So every name of c is rooted at c or at argoClusterSecretName(c) (its roots), and a name
//   - of two clusters has related roots of both (two roots of that name);
//   - of c and of its pool p is c + k rooted at c-p (p roots k without its "-"), or is rooted
//     at both of c's roots (they are related);
//   - of two pools p, q of c is rooted at c-p and c-q, so p and q are related.
// A cluster with none of these shares no name with another key: its names change neither
// nameCollisions' result nor its order. nameShape() checks the forms at run time for one sample
// cluster; test/config/collisionCandidates.spec.ts checks them for random clusters and pools.
import { argoClusterSecretName } from "../argocd/clusterSecret";
import { NameSettings, generatedNames } from "./generatedNames";

/** The names a candidate check needs: a cluster and its (valid) pool names. */
export interface NamedCluster {
    readonly name: string;
    readonly workerPools: readonly { readonly name: string }[];
}

/** The strings every name of `cluster` is rooted at. */
export function nameRoots(cluster: string): [string, string] {
    return [cluster, argoClusterSecretName(cluster)];
}

const SAMPLE = "c";
const SAMPLE_POOL = "p";

/**
 * K: the suffixes of a cluster's own names after its name, for these settings. Throws when a
 * name of the sample cluster does not have one of the forms the candidate check relies on.
 */
export function nameShape(settings: NameSettings): string[] {
    const names = generatedNames({
        ...settings,
        cluster: { name: SAMPLE, workerPools: [{ name: SAMPLE_POOL }] },
        path: "sample",
    });
    const [, secret] = nameRoots(SAMPLE);
    const suffixes = new Set<string>();
    for (const g of names) {
        if (g.source === "sample.name" && rooted(g.name, SAMPLE)) {
            suffixes.add(g.name.slice(SAMPLE.length));
        } else if (g.source === "sample.name" && rooted(g.name, secret)) {
            continue;
        } else if (
            g.source !== "sample.workerPools[0].name" ||
            !rooted(g.name, `${SAMPLE}-${SAMPLE_POOL}`)
        ) {
            throw new Error(
                `collisionCandidates: the ${g.scope} named "${g.name}" (from ${g.source}) has ` +
                    `a form the name-collision check does not cover; extend collisionCandidates.ts`,
            );
        }
    }
    return [...suffixes];
}

/** Whether s === r or s starts with r + "-". */
export function rooted(s: string, r: string): boolean {
    return s.length === r.length ? s === r : s.startsWith(r) && s[r.length] === "-";
}

/** The roots of s that are shorter than s: s cut before each "-". */
function shorterRoots(s: string): string[] {
    const out: string[] = [];
    for (let k = s.indexOf("-"); k > 0; k = s.indexOf("-", k + 1)) out.push(s.slice(0, k));
    return out;
}

/** Strings a pool name must not root: every root of each suffix without its leading "-". */
function poolStems(suffixes: readonly string[]): Set<string> {
    const stems = new Set<string>();
    for (const k of suffixes) {
        if (k === "") continue;
        stems.add(k.slice(1));
        for (const r of shorterRoots(k.slice(1))) stems.add(r);
    }
    return stems;
}

/** Whether two keys of the cluster itself may produce the same name (see the file comment). */
function collidesWithin(
    name: string,
    secret: string,
    pools: NamedCluster["workerPools"],
    stems: Set<string>,
): boolean {
    if (rooted(secret, name) || rooted(name, secret)) return true;
    // Pools are few: a pair loop, no Set per cluster.
    for (let j = 0; j < pools.length; j++) {
        const p = pools[j].name;
        if (stems.has(p)) return true;
        for (let k = 0; k < pools.length; k++) if (k !== j && rooted(p, pools[k].name)) return true;
    }
    return false;
}

/**
 * For each cluster, whether it may share a generated name with another config key (its own
 * pools included). Names must be valid DNS-1123 labels; `settings` as for generatedNames.
 */
export function collisionCandidates(
    clusters: readonly NamedCluster[],
    settings: NameSettings,
): boolean[] {
    const stems = poolStems(nameShape(settings));
    const n = clusters.length;
    const out: boolean[] = new Array<boolean>(n).fill(false);
    const secrets = clusters.map((cl) => nameRoots(cl.name)[1]);
    // First cluster per root: a root shared by several clusters marks each with the first.
    const owner = new Map<string, number>();
    const claim = (r: string, i: number) => {
        const k = owner.get(r);
        if (k === undefined) owner.set(r, i);
        else if (k !== i) out[i] = out[k] = true;
    };
    for (let i = 0; i < n; i++) {
        claim(clusters[i].name, i);
        claim(secrets[i], i);
    }
    const related = (r: string, i: number) => {
        if (r.indexOf("-") < 0) return;
        for (const q of shorterRoots(r)) {
            const k = owner.get(q);
            if (k !== undefined && k !== i) out[i] = out[k] = true;
        }
    };
    for (let i = 0; i < n; i++) {
        const cl = clusters[i];
        if (collidesWithin(cl.name, secrets[i], cl.workerPools, stems)) out[i] = true;
        related(cl.name, i);
        related(secrets[i], i);
    }
    return out;
}
