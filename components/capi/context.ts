// Everything a builder needs to know about one cluster, resolved to plain values.
import { labels } from "../constants";
import { ClusterConfig, ClusterIpPlan, RegionConfig } from "../config/types";

export interface ClusterContext {
    readonly region: RegionConfig;
    readonly cluster: ClusterConfig;
    readonly plan: ClusterIpPlan;
}

/** Namespace on the management cluster that holds the cluster's CAPI objects. */
export const namespaceOf = (ctx: ClusterContext) => ctx.region.management.namespace;

/** Labels every object of the cluster carries (clusterctl move needs the cluster-name one). */
export function clusterLabels(ctx: ClusterContext): Record<string, string> {
    return {
        [labels.clusterName]: ctx.cluster.name,
        [labels.region]: ctx.region.region,
        [labels.environment]: ctx.region.environment,
        [labels.managedBy]: "cluster-fleet",
    };
}

/** The port kube-vip and the API server listen on. */
export const API_SERVER_PORT = 6443;

/** The workload API server URL CAPI writes into the kubeconfig: the VIP on the API port. */
export const apiServerEndpoint = (plan: Pick<ClusterIpPlan, "vip">) =>
    `https://${plan.vip}:${API_SERVER_PORT}`;
