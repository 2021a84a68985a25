// Checks across a region's sections: service networks against the node subnet, names derived
// from cluster and pool names, and host addresses against the IP plan. Each reports through the
// Checker and skips values that already have a problem, so nothing is reported twice.
import { Interval, overlaps } from "../intervals";
import { CidrBlock, RegionIpPlan, parseRange } from "../ipPlan";
import { Checker } from "./checker";
import { NamedCluster, collisionCandidates } from "./collisionCandidates";
import {
    GeneratedName,
    NameCollision,
    NameInputs,
    NameSettings,
    generatedNames,
    nameCollisions,
} from "./generatedNames";
import { ArgocdConfig, BgpConfig, ClusterConfig, ManagementConfig, NetworkConfig } from "./types";

/** A cluster's networks, parsed once where they are validated (absent when invalid or unset). */
export interface ClusterRanges {
    readonly pod?: Interval;
    readonly service?: Interval;
    readonly block?: CidrBlock;
}

/** Service networks are per cluster (not routed), but must not hide the node subnet. */
export function checkServiceCidrs(
    c: Checker,
    clusters: readonly ClusterConfig[],
    network: NetworkConfig,
    ranges?: readonly ClusterRanges[],
): void {
    if (!network.subnet || !c.ok("network.subnet")) return;
    const subnet = parseRange(network.subnet);
    clusters.forEach((cl, i) => {
        const svc = `clusters[${i}].serviceCidr`;
        if (!cl.serviceCidr || !c.ok(svc)) return;
        if (overlaps(ranges?.[i].service ?? parseRange(cl.serviceCidr), subnet)) {
            c.fail(
                svc,
                `${cl.serviceCidr} overlaps the node subnet ${network.subnet}; nodes and the ` +
                    `routers there would be unreachable from pods, pick a serviceCidr outside it ` +
                    `(the default is 10.96.0.0/12)`,
            );
        }
    });
}

/** Names derived from cluster and pool names (URNs, object names) must not collide. */
export function checkGeneratedNames(
    c: Checker,
    clusters: readonly ClusterConfig[],
    management: ManagementConfig,
    argocd: ArgocdConfig,
    bgp: BgpConfig,
    manageInventory: boolean,
): void {
    if (!c.ok("management.namespace") || !c.ok("argocd.namespace")) return;
    const settings: NameSettings = {
        managementNamespace: management.namespace,
        argocdNamespace: argocd.namespace,
        sshRouters: bgp.routers.filter((r) => r.ssh && r.name).map((r) => r.name),
        manageSync: argocd.manageSync,
        manageInventory,
    };
    const what = new Map<string, string>();
    const names: GeneratedName[] = [];
    for (const n of namedClusters(c, clusters, settings)) {
        what.set(`${n.path}.name`, `cluster "${n.cluster.name}"`);
        n.cluster.workerPools.forEach((wp, j) =>
            what.set(
                `${n.path}.workerPools[${n.poolIndexes[j]}].name`,
                `pool "${wp.name}" of cluster "${n.cluster.name}"`,
            ),
        );
        // One array filled in place: flatMap is slow at thousands of names.
        for (const g of generatedNames(n)) names.push(g);
    }
    // One issue per pair of colliding keys; a Kubernetes object clash reads best, so it leads.
    const byPair = new Map<string, NameCollision[]>();
    for (const x of nameCollisions(names)) {
        const key = `${x.first} ${x.second}`;
        byPair.set(key, [...(byPair.get(key) ?? []), x]);
    }
    for (const clashes of byPair.values()) {
        const [x, ...more] = [...clashes].sort(
            (a, b) => Number(a.scope.startsWith("Pulumi")) - Number(b.scope.startsWith("Pulumi")),
        );
        c.fail(
            x.second,
            `${what.get(x.second)} and ${what.get(x.first)} (${x.first}) both produce the ` +
                `${x.scope} named "${x.name}"` +
                (more.length > 0 ? ` and ${more.length} more clashing names` : "") +
                `; rename the cluster or the pool so that "<cluster>-<pool>" differs from ` +
                `every other cluster's names`,
        );
    }
}

/**
 * The name inputs of the clusters that may share a generated name with another config key, in
 * config order (collisionCandidates.ts: the others cannot change the collisions found). Clusters
 * and pools whose names were reported already are left out; pools keep their config index.
 */
function namedClusters(
    c: Checker,
    clusters: readonly ClusterConfig[],
    settings: NameSettings,
): (NameInputs & { poolIndexes: readonly number[] })[] {
    // With no issue yet every path is ok: skip building ~3 paths per cluster.
    const clean = c.clean;
    const at: number[] = [];
    const named: NamedCluster[] = [];
    const kept: (number[] | undefined)[] = [];
    clusters.forEach((cl, i) => {
        if (!cl.name || !(clean || c.ok(`clusters[${i}].name`))) return;
        const poolOk = (wp: { name: string }, j: number) =>
            wp.name !== "" && (clean || c.ok(`clusters[${i}].workerPools[${j}].name`));
        const all = cl.workerPools.every(poolOk);
        const some = all
            ? undefined
            : cl.workerPools.flatMap((wp, j) => (poolOk(wp, j) ? [j] : []));
        at.push(i);
        named.push(some ? { name: cl.name, workerPools: some.map((j) => cl.workerPools[j]) } : cl);
        kept.push(some);
    });
    const candidate = collisionCandidates(named, settings);
    const out: (NameInputs & { poolIndexes: readonly number[] })[] = [];
    candidate.forEach((yes, k) => {
        if (!yes) return;
        const cluster = named[k];
        const poolIndexes = kept[k] ?? cluster.workerPools.map((_, j) => j);
        out.push({ ...settings, cluster, path: `clusters[${at[k]}]`, poolIndexes });
    });
    return out;
}

/** Routers and nameservers in the node subnet must never be handed to a machine or be a VIP. */
export function checkHostAddresses(
    c: Checker,
    network: NetworkConfig,
    bgp: BgpConfig,
    plan: RegionIpPlan,
): void {
    const hosts = [
        ...bgp.routers.map((r, i) => ({ path: `bgp.routers[${i}].address`, ip: r.address })),
        ...network.nameservers.map((ip, i) => ({ path: `network.nameservers[${i}]`, ip })),
    ];
    const blocks = plan.blockRanges;
    for (const h of hosts) {
        if (!h.ip || !c.ok(h.path)) continue;
        const at = parseRange(h.ip).lo;
        plan.clusters.forEach((cl, k) => {
            const b = blocks[k];
            if (h.ip === cl.vip) {
                c.fail(
                    h.path,
                    `${h.ip} is also the VIP of cluster "${cl.cluster}"; pin another vip for the ` +
                        `cluster, or add ${h.ip} to network.reserved`,
                );
            } else if (at >= b.lo && at <= b.hi) {
                c.fail(
                    h.path,
                    `${h.ip} lies in the address block ${cl.block} of cluster "${cl.cluster}", so a ` +
                        `machine could get it; add ${h.ip} to network.reserved (and pin that ` +
                        `cluster's addressBlock elsewhere if the block was pinned)`,
                );
            }
        });
    }
}

/** Namespaces that exist in every management cluster (or belong to Argo CD). */
const FOREIGN_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/** cluster-fleet creates (and in prod protects) management.namespace, so it must be its own. */
export function checkNamespaces(
    c: Checker,
    management: ManagementConfig,
    argocd: ArgocdConfig,
): void {
    const ns = management.namespace;
    if (!ns || !c.ok("management.namespace")) return;
    const foreign = FOREIGN_NAMESPACES.includes(ns)
        ? "a Kubernetes system namespace"
        : ns === argocd.namespace && c.ok("argocd.namespace")
          ? "Argo CD's namespace (argocd.namespace)"
          : undefined;
    if (foreign) {
        c.fail(
            "management.namespace",
            `"${ns}" is ${foreign}; cluster-fleet creates this namespace and deletes it with the ` +
                `stack, so give the CAPI objects a namespace of their own (default capi-clusters)`,
        );
    }
}
