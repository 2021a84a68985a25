import { apiGroups, apiVersions, kinds } from "../constants";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import {
    KUBE_VIP_HOSTS_PATH,
    KUBE_VIP_MANIFEST_PATH,
    KUBE_VIP_PREPARE_PATH,
    KUBE_VIP_PREPARE_SCRIPT,
    kubeVipPodYaml,
} from "./kubeVip";
import { nodeRegistration, nodeUsers, preKubeadmCommands } from "./kubeadm";
import { Manifest } from "./manifest";
import { objectNames } from "./names";

/** kube-vip's static Pod and what it needs before kubeadm runs (see kubeVip.ts). */
function kubeVipFiles(ctx: ClusterContext): Record<string, string>[] {
    return [
        {
            path: KUBE_VIP_MANIFEST_PATH,
            owner: "root:root",
            permissions: "0644",
            content: kubeVipPodYaml(ctx.plan.vip, ctx.region.kubeVipImage),
        },
        {
            path: KUBE_VIP_HOSTS_PATH,
            owner: "root:root",
            permissions: "0644",
            content: "127.0.0.1 localhost kubernetes\n",
        },
        {
            path: KUBE_VIP_PREPARE_PATH,
            owner: "root:root",
            permissions: "0700",
            content: KUBE_VIP_PREPARE_SCRIPT,
        },
    ];
}

/**
 * The KubeadmControlPlane: kube-vip static Pod on the VIP, the VIP in the API server's certSANs,
 * and the external cloud provider. `machineTemplateName` is the hashed VSphereMachineTemplate
 * name, so a template change rolls the control plane.
 */
export function controlPlane(ctx: ClusterContext, machineTemplateName: string): Manifest {
    const { cluster, plan } = ctx;
    return {
        apiVersion: apiVersions.controlPlane,
        kind: kinds.KubeadmControlPlane,
        metadata: {
            name: objectNames(cluster.name).controlPlane,
            namespace: namespaceOf(ctx),
            labels: clusterLabels(ctx),
        },
        spec: {
            replicas: cluster.controlPlane.replicas,
            version: cluster.kubernetesVersion,
            machineTemplate: {
                spec: {
                    infrastructureRef: {
                        apiGroup: apiGroups.infrastructure,
                        kind: kinds.VSphereMachineTemplate,
                        name: machineTemplateName,
                    },
                },
            },
            rollout: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } },
            kubeadmConfigSpec: {
                clusterConfiguration: {
                    apiServer: { certSANs: [plan.vip] },
                    controllerManager: {
                        extraArgs: [{ name: "cloud-provider", value: "external" }],
                    },
                },
                initConfiguration: { nodeRegistration: nodeRegistration() },
                joinConfiguration: { nodeRegistration: nodeRegistration() },
                files: kubeVipFiles(ctx),
                preKubeadmCommands: preKubeadmCommands(),
                users: nodeUsers(ctx),
            },
        },
    };
}
