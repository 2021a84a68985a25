import * as pulumi from "@pulumi/pulumi";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import { objectNames } from "./names";

/**
 * The per-cluster vCenter credentials Secret the VSphereCluster's identityRef names. CAPV takes
 * ownership of it (one Secret per cluster), so it is never shared.
 */
export function credentialsSecret(ctx: ClusterContext, password: pulumi.Input<string>) {
    return {
        metadata: {
            name: objectNames(ctx.cluster.name).credentials,
            namespace: namespaceOf(ctx),
            labels: clusterLabels(ctx),
        },
        type: "Opaque",
        stringData: {
            username: ctx.region.vsphere.username,
            password: pulumi.secret(password),
        },
    };
}
