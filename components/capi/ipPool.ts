import { Netmask } from "netmask";
import { apiVersions, kinds } from "../constants";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import { Manifest } from "./manifest";
import { objectNames } from "./names";

/** The InClusterIPPool the cluster's machines draw their static addresses from. */
export function ipPool(ctx: ClusterContext): Manifest {
    const net = ctx.region.network;
    return {
        apiVersion: apiVersions.ipamPool,
        kind: kinds.InClusterIPPool,
        metadata: {
            name: objectNames(ctx.cluster.name).ipPool,
            namespace: namespaceOf(ctx),
            labels: clusterLabels(ctx),
        },
        spec: {
            addresses: [`${ctx.plan.poolStart}-${ctx.plan.poolEnd}`],
            prefix: new Netmask(net.subnet).bitmask,
            gateway: net.gateway,
        },
    };
}
