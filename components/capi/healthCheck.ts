import { apiVersions, kinds, labels } from "../constants";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import { Manifest } from "./manifest";
import { objectNames } from "./names";

/**
 * Replaces machines whose Node stays NotReady/Unknown for 5 minutes or never joins in 20, but
 * stops remediating when more than 40% are unhealthy (then the cause is not the machines).
 */
export function machineHealthCheck(ctx: ClusterContext): Manifest {
    return {
        apiVersion: apiVersions.cluster,
        kind: kinds.MachineHealthCheck,
        metadata: {
            name: objectNames(ctx.cluster.name).healthCheck,
            namespace: namespaceOf(ctx),
            labels: clusterLabels(ctx),
        },
        spec: {
            clusterName: ctx.cluster.name,
            selector: { matchLabels: { [labels.clusterName]: ctx.cluster.name } },
            checks: {
                nodeStartupTimeoutSeconds: 1200,
                unhealthyNodeConditions: [
                    { type: "Ready", status: "Unknown", timeoutSeconds: 300 },
                    { type: "Ready", status: "False", timeoutSeconds: 300 },
                ],
            },
            remediation: { triggerIf: { unhealthyLessThanOrEqualTo: "40%" } },
        },
    };
}
