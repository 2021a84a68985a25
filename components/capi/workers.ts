import { apiGroups, apiVersions, kinds, labels } from "../constants";
import { WorkerPoolConfig } from "../config/types";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import { nodeRegistration, nodeUsers, preKubeadmCommands } from "./kubeadm";
import { Manifest } from "./manifest";
import { objectNames, templateName } from "./names";

const DEPLOYMENT_NAME_LABEL = "cluster.x-k8s.io/deployment-name";

/** The pool's KubeadmConfigTemplate; hashed like machine templates so changes roll the pool. */
export function kubeadmConfigTemplate(ctx: ClusterContext, pool: WorkerPoolConfig): Manifest {
    const spec = {
        template: {
            spec: {
                joinConfiguration: { nodeRegistration: nodeRegistration() },
                preKubeadmCommands: preKubeadmCommands(),
                users: nodeUsers(ctx),
            },
        },
    };
    return {
        apiVersion: apiVersions.bootstrap,
        kind: kinds.KubeadmConfigTemplate,
        metadata: {
            name: templateName(ctx.cluster.name, pool.name, spec),
            namespace: namespaceOf(ctx),
            labels: clusterLabels(ctx),
        },
        spec,
    };
}

/**
 * The pool's MachineDeployment. Rolling updates surge by `maxSurge` and never go below the
 * desired count, so the pool needs `replicas + maxSurge` addresses during a rollout.
 */
export function machineDeployment(
    ctx: ClusterContext,
    pool: WorkerPoolConfig,
    machineTemplateName: string,
    bootstrapTemplateName: string,
): Manifest {
    const name = objectNames(ctx.cluster.name).machineDeployment(pool.name);
    const selectorLabels = {
        [labels.clusterName]: ctx.cluster.name,
        [DEPLOYMENT_NAME_LABEL]: name,
    };
    return {
        apiVersion: apiVersions.cluster,
        kind: kinds.MachineDeployment,
        metadata: { name, namespace: namespaceOf(ctx), labels: clusterLabels(ctx) },
        spec: {
            clusterName: ctx.cluster.name,
            replicas: pool.replicas,
            selector: { matchLabels: selectorLabels },
            rollout: {
                strategy: {
                    type: "RollingUpdate",
                    rollingUpdate: { maxSurge: pool.maxSurge, maxUnavailable: 0 },
                },
            },
            template: {
                metadata: { labels: selectorLabels },
                spec: {
                    clusterName: ctx.cluster.name,
                    version: pool.kubernetesVersion,
                    bootstrap: {
                        configRef: {
                            apiGroup: apiGroups.bootstrap,
                            kind: kinds.KubeadmConfigTemplate,
                            name: bootstrapTemplateName,
                        },
                    },
                    infrastructureRef: {
                        apiGroup: apiGroups.infrastructure,
                        kind: kinds.VSphereMachineTemplate,
                        name: machineTemplateName,
                    },
                },
            },
        },
    };
}
