import { apiGroups, apiVersions, kinds } from "../constants";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import { Manifest } from "./manifest";
import { objectNames } from "./names";

/** The CAPI Cluster tying the VSphereCluster and the KubeadmControlPlane together. */
export function capiCluster(ctx: ClusterContext): Manifest {
    const names = objectNames(ctx.cluster.name);
    return {
        apiVersion: apiVersions.cluster,
        kind: kinds.Cluster,
        metadata: { name: names.cluster, namespace: namespaceOf(ctx), labels: clusterLabels(ctx) },
        spec: {
            clusterNetwork: {
                pods: { cidrBlocks: [ctx.cluster.podCidr] },
                services: { cidrBlocks: [ctx.cluster.serviceCidr] },
            },
            controlPlaneRef: {
                apiGroup: apiGroups.controlPlane,
                kind: kinds.KubeadmControlPlane,
                name: names.controlPlane,
            },
            infrastructureRef: {
                apiGroup: apiGroups.infrastructure,
                kind: kinds.VSphereCluster,
                name: names.vsphereCluster,
            },
        },
    };
}
