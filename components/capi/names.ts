// Kubernetes object names of a cluster's CAPI objects. Machine and bootstrap templates carry a
// hash of their spec: CAPI treats template specs as immutable, so a changed spec gets a new
// object and the KCP/MachineDeployment reference moves to it, which is what triggers a rollout.
import { shortHash } from "../stableJson";

export const objectNames = (cluster: string) => ({
    cluster,
    vsphereCluster: cluster,
    controlPlane: cluster,
    ipPool: `${cluster}-nodes`,
    credentials: `${cluster}-vsphere-credentials`,
    healthCheck: `${cluster}-unhealthy-nodes`,
    machineDeployment: (pool: string) => `${cluster}-${pool}`,
});

/** `<cluster>-<role>-<hash of spec>`; role is "cp" or the worker pool name. */
export function templateName(cluster: string, role: string, spec: unknown): string {
    return `${cluster}-${role}-${shortHash(spec)}`;
}
