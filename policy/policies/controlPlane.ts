// Control-plane policies: etcd quorum needs an odd member count, and production needs at least
// three members to survive the loss of one machine (or a rolling upgrade).
import { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { types } from "../../components/constants";
import { readConfig } from "../lib/config";
import { namespacedName } from "../lib/k8s";
import { readKnown, unknownAtPreview } from "../lib/known";

export interface ControlPlaneReplicasConfig {
    readonly minReplicas: number;
    readonly requireOdd: boolean;
}

const name = "control-plane-replicas";

const configSchema: PolicyConfigSchema = {
    properties: {
        minReplicas: {
            type: "integer",
            minimum: 1,
            default: 3,
            description: "Fewest control-plane machines allowed (3 in prod, 1 in dev).",
        },
        requireOdd: {
            type: "boolean",
            default: true,
            description: "Require an odd replica count (stacked etcd quorum).",
        },
    },
};

export const controlPlaneReplicas: ResourceValidationPolicy = {
    name,
    description:
        "KubeadmControlPlane replicas must be odd (stacked etcd quorum) and at least the stack's minimum.",
    severity: "high",
    configSchema,
    validateResource: (args, report) => {
        if (args.type !== types.KubeadmControlPlane) {
            return;
        }
        const cfg = readConfig<ControlPlaneReplicasConfig>(name, configSchema, args.getConfig());
        const kcp = namespacedName(args.props);
        const r = readKnown(() => args.props.spec?.replicas as unknown);
        if (!r.known) {
            report(`KubeadmControlPlane ${kcp}: ${unknownAtPreview("spec.replicas", r.path)}`);
            return;
        }
        // KCP defaults an absent replicas field to 1.
        const replicas = r.value ?? 1;
        if (!Number.isInteger(replicas)) {
            report(`KubeadmControlPlane ${kcp}: spec.replicas must be an integer.`);
            return;
        }
        const n = replicas as number;
        if (n < cfg.minReplicas) {
            report(
                `KubeadmControlPlane ${kcp}: spec.replicas is ${n}; this stack requires at least ` +
                    `${cfg.minReplicas}. Raise controlPlane.replicas in the cluster's config.`,
            );
        }
        if (cfg.requireOdd && n % 2 === 0) {
            report(
                `KubeadmControlPlane ${kcp}: spec.replicas is ${n}; use an odd number so that etcd ` +
                    `keeps quorum (an even count tolerates no more failures than one fewer).`,
            );
        }
    },
};

export const controlPlanePolicies = [controlPlaneReplicas];
