// Checks across the region's clusters: unique names, and pod networks that neither overlap the
// node subnet or their cluster's service network nor each other (they share the routers).
import { DisjointIntervals, overlaps } from "../intervals";
import { parseRange } from "../ipPlan";
import { Checker } from "./checker";
import { ClusterRanges } from "./regionChecks";
import { ClusterConfig, NetworkConfig } from "./types";

/** Cross-cluster checks: unique names, pod networks that do not collide on the shared routers. */
export function checkClusterSet(
    c: Checker,
    clusters: readonly ClusterConfig[],
    network: NetworkConfig,
    ranges?: readonly ClusterRanges[],
): void {
    checkUniqueClusterNames(c, clusters);
    checkPodNetworks(c, clusters, network, ranges);
}

function checkUniqueClusterNames(c: Checker, clusters: readonly ClusterConfig[]): void {
    const seen = new Map<string, number>();
    clusters.forEach((cl, i) => {
        if (!cl.name) return;
        const prev = seen.get(cl.name);
        if (prev !== undefined) {
            c.fail(
                `clusters[${i}].name`,
                `duplicate cluster name "${cl.name}" (also clusters[${prev}]); rename one of ` +
                    `them, or remove the duplicate entry`,
            );
        }
        seen.set(cl.name, i);
    });
}

/** Each pod network against the node subnet, its cluster's service network and the other pod
 *  networks (`ranges`, when given, holds them parsed). */
function checkPodNetworks(
    c: Checker,
    clusters: readonly ClusterConfig[],
    network: NetworkConfig,
    ranges?: readonly ClusterRanges[],
): void {
    // Each pod network is compared with the earlier ones that had no problem of their own. Those
    // are pairwise disjoint, so a sorted set finds the overlaps: O(n log n), not O(n^2) parses.
    const subnetR =
        network.subnet && c.ok("network.subnet") ? parseRange(network.subnet) : undefined;
    const accepted = new DisjointIntervals<number>();
    clusters.forEach((cl, i) => {
        const pod = `clusters[${i}].podCidr`;
        const svc = `clusters[${i}].serviceCidr`;
        if (!cl.podCidr || !c.ok(pod)) return;
        const podR = ranges?.[i].pod ?? parseRange(cl.podCidr);
        let ok = true;
        if (subnetR && overlaps(podR, subnetR)) {
            c.fail(
                pod,
                `${cl.podCidr} overlaps the node subnet ${network.subnet}; pods need their own ` +
                    `routed range, pick a podCidr outside it (e.g. in 172.16.0.0/12)`,
            );
            ok = false;
        }
        const svcOk = cl.serviceCidr && c.ok(svc);
        if (svcOk && overlaps(podR, ranges?.[i].service ?? parseRange(cl.serviceCidr))) {
            c.fail(
                svc,
                `${cl.serviceCidr} overlaps the pod network ${cl.podCidr}; pick a serviceCidr ` +
                    `outside it (the default is 10.96.0.0/12)`,
            );
        }
        const hits = accepted.overlapping(podR);
        if (hits.length > 1) hits.sort((a, b) => a - b);
        for (const j of hits) {
            const other = clusters[j];
            ok = false;
            c.fail(
                pod,
                `${cl.podCidr} overlaps the pod network of cluster "${other.name}" (${other.podCidr}); ` +
                    `pod routes are advertised to the same routers, so they must be unique in ` +
                    `the region: give this cluster an unused podCidr`,
            );
        }
        if (ok) accepted.insert(podR, i);
    });
}
