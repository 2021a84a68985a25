// Kubernetes version policies: only minors the platform supports, and workers within the upstream
// version-skew policy relative to their control plane (kubelet never newer than the API server and
// at most three minors older, since Kubernetes 1.28).
import {
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { kinds, labels, types } from "../../components/constants";
import { readConfig } from "../lib/config";
import { Props, label, namespacedName } from "../lib/k8s";
import { readKnown, unknownAtPreview } from "../lib/known";
import { KubeVersion, minorOf, parseKubeVersion } from "../lib/version";

export interface KubernetesVersionAllowedConfig {
    readonly allowedMinors: readonly string[];
}

const allowedName = "kubernetes-version-allowed";

const allowedSchema: PolicyConfigSchema = {
    properties: {
        allowedMinors: {
            type: "array",
            items: { type: "string", pattern: "^\\d+\\.\\d+$" },
            default: ["1.34", "1.35", "1.36"],
            description: 'Kubernetes minor versions clusters may run, e.g. ["1.34", "1.35"].',
        },
    },
};

/** Where each versioned kind keeps its version. */
const VERSION_FIELDS: Readonly<Record<string, { path: string; read: (p: Props) => unknown }>> = {
    [types.KubeadmControlPlane]: { path: "spec.version", read: (p) => p.spec?.version },
    [types.MachineDeployment]: {
        path: "spec.template.spec.version",
        read: (p) => p.spec?.template?.spec?.version,
    },
};

export const kubernetesVersionAllowed: ResourceValidationPolicy = {
    name: allowedName,
    description:
        "KubeadmControlPlane and MachineDeployment versions must be vMAJOR.MINOR.PATCH of an allowed minor.",
    severity: "high",
    configSchema: allowedSchema,
    validateResource: (args, report) => {
        const field = VERSION_FIELDS[args.type];
        if (!field) {
            return;
        }
        const cfg = readConfig<KubernetesVersionAllowedConfig>(
            allowedName,
            allowedSchema,
            args.getConfig(),
        );
        const what = `${args.type.split(":").pop()} ${namespacedName(args.props)}`;
        const v = readKnown(() => field.read(args.props));
        if (!v.known) {
            report(`${what}: ${unknownAtPreview(field.path, v.path)}`);
            return;
        }
        const parsed = parseKubeVersion(v.value);
        if (!parsed) {
            report(
                `${what}: ${field.path} must look like "v1.34.2", got ${JSON.stringify(v.value)}.`,
            );
            return;
        }
        if (!cfg.allowedMinors.includes(minorOf(parsed))) {
            report(
                `${what}: Kubernetes ${String(v.value)} is not allowed here; allowed minors are ` +
                    `${cfg.allowedMinors.join(", ")}. Pick a supported version.`,
            );
        }
    },
};

export interface KubernetesVersionSkewConfig {
    readonly maxMinorSkew: number;
}

const skewName = "kubernetes-version-skew";

const skewSchema: PolicyConfigSchema = {
    properties: {
        maxMinorSkew: {
            type: "integer",
            minimum: 0,
            default: 3,
            description: "How many minors workers may lag the control plane (upstream: 3).",
        },
    },
};

/** Why a worker version may not run against a control-plane version, or undefined if it may. */
export function skewProblem(cp: KubeVersion, worker: KubeVersion, maxMinorSkew: number) {
    if (worker.major !== cp.major || worker.minor > cp.minor) {
        return "workers must not be newer than the control plane";
    }
    if (cp.minor - worker.minor > maxMinorSkew) {
        return `workers may be at most ${maxMinorSkew} minor versions older than the control plane`;
    }
    return undefined;
}

const ns = (r: PolicyResource): string => r.props.metadata?.namespace ?? "default";

export const kubernetesVersionSkew: StackValidationPolicy = {
    name: skewName,
    description:
        "MachineDeployment versions must not be newer than their cluster's KubeadmControlPlane, nor more than the allowed minors older.",
    severity: "high",
    configSchema: skewSchema,
    validateStack: (args, report) => {
        const cfg = readConfig<KubernetesVersionSkewConfig>(skewName, skewSchema, args.getConfig());
        // Cluster "ns/name" -> the KubeadmControlPlane it points at.
        const kcpByName = new Map<string, PolicyResource>();
        const kcpOfCluster = new Map<string, PolicyResource>();
        for (const r of args.resources.filter((r) => r.type === types.KubeadmControlPlane)) {
            const key = readKnown(() => `${ns(r)}/${r.props.metadata?.name}`);
            const cluster = readKnown(() => label(r.props, labels.clusterName));
            if (key.known) {
                kcpByName.set(key.value, r);
            }
            if (key.known && cluster.known && cluster.value) {
                kcpOfCluster.set(`${ns(r)}/${cluster.value}`, r);
            }
        }
        for (const c of args.resources.filter((r) => r.type === types.Cluster)) {
            const ref = readKnown(() => ({
                cluster: `${ns(c)}/${c.props.metadata?.name}`,
                kind: c.props.spec?.controlPlaneRef?.kind as unknown,
                name: c.props.spec?.controlPlaneRef?.name as unknown,
            }));
            if (ref.known && ref.value.kind === kinds.KubeadmControlPlane) {
                const kcp = kcpByName.get(`${ns(c)}/${String(ref.value.name)}`);
                if (kcp) {
                    kcpOfCluster.set(ref.value.cluster, kcp);
                }
            }
        }
        for (const md of args.resources.filter((r) => r.type === types.MachineDeployment)) {
            const what = `MachineDeployment ${namespacedName(md.props)}`;
            const w = readKnown(() => ({
                ns: ns(md),
                cluster: md.props.spec?.clusterName as unknown,
                version: md.props.spec?.template?.spec?.version as unknown,
            }));
            if (!w.known) {
                report(`${what}: ${unknownAtPreview("its cluster and version", w.path)}`, md.urn);
                continue;
            }
            const kcp = kcpOfCluster.get(`${w.value.ns}/${String(w.value.cluster)}`);
            if (!kcp) {
                report(
                    `${what}: no KubeadmControlPlane for cluster ${String(w.value.cluster)} in this ` +
                        `stack, so the version skew cannot be checked.`,
                    md.urn,
                );
                continue;
            }
            const cpv = readKnown(() => kcp.props.spec?.version as unknown);
            if (!cpv.known) {
                report(
                    `${what}: ${unknownAtPreview("the control plane's spec.version", cpv.path)}`,
                    md.urn,
                );
                continue;
            }
            const cp = parseKubeVersion(cpv.value);
            const worker = parseKubeVersion(w.value.version);
            if (!cp || !worker) {
                report(
                    `${what}: cannot compare versions ${JSON.stringify(w.value.version)} (workers) ` +
                        `and ${JSON.stringify(cpv.value)} (control plane); use "v1.34.2" format.`,
                    md.urn,
                );
                continue;
            }
            const problem = skewProblem(cp, worker, cfg.maxMinorSkew);
            if (problem) {
                report(
                    `${what}: workers at ${String(w.value.version)}, control plane at ` +
                        `${String(cpv.value)}: ${problem}. Upgrade the control plane first, then the workers.`,
                    md.urn,
                );
            }
        }
    },
};

export const versionPolicies = [kubernetesVersionAllowed, kubernetesVersionSkew];
