import { apiVersions, kinds } from "../constants";
import { API_SERVER_PORT, ClusterContext, clusterLabels, namespaceOf } from "./context";
import { Manifest } from "./manifest";
import { objectNames } from "./names";

/** The VSphereCluster: vCenter endpoint and the control-plane VIP kube-vip serves. */
export function vsphereCluster(ctx: ClusterContext): Manifest {
    const names = objectNames(ctx.cluster.name);
    return {
        apiVersion: apiVersions.infrastructure,
        kind: kinds.VSphereCluster,
        metadata: {
            name: names.vsphereCluster,
            namespace: namespaceOf(ctx),
            labels: clusterLabels(ctx),
        },
        spec: {
            server: ctx.region.vsphere.server,
            thumbprint: ctx.region.vsphere.thumbprint,
            controlPlaneEndpoint: { host: ctx.plan.vip, port: API_SERVER_PORT },
            identityRef: { kind: "Secret", name: names.credentials },
        },
    };
}
