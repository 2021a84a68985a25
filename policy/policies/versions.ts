// Kubernetes version policies: only minors the platform supports, and workers within the upstream
// version-skew policy relative to their control plane (kubelet never newer than the API server and
// at most three minors older, since Kubernetes 1.28).
import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
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

/** A finding about one resource (its URN already bound). */
type Say = (message: string) => void;

/** Cluster "ns/name" -> its KubeadmControlPlane: by the KCP's cluster-name label, or by the
 *  Cluster's controlPlaneRef, which wins when both name one. */
function controlPlanesByCluster(resources: readonly PolicyResource[]): Map<string, PolicyResource> {
    const kcpByName = new Map<string, PolicyResource>();
    const kcpOfCluster = new Map<string, PolicyResource>();
    for (const r of resources.filter((r) => r.type === types.KubeadmControlPlane)) {
        const key = readKnown(() => `${ns(r)}/${r.props.metadata?.name}`);
        const cluster = readKnown(() => label(r.props, labels.clusterName));
        if (key.known) {
            kcpByName.set(key.value, r);
        }
        if (key.known && cluster.known && cluster.value) {
            kcpOfCluster.set(`${ns(r)}/${cluster.value}`, r);
        }
    }
    for (const c of resources.filter((r) => r.type === types.Cluster)) {
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
    return kcpOfCluster;
}

/** The versions of the workers and of their control plane; undefined (and said) if unreadable. */
function versionsOf(
    md: PolicyResource,
    what: string,
    kcpOfCluster: ReadonlyMap<string, PolicyResource>,
    say: Say,
): { worker: unknown; controlPlane: unknown } | undefined {
    const w = readKnown(() => ({
        ns: ns(md),
        cluster: md.props.spec?.clusterName as unknown,
        version: md.props.spec?.template?.spec?.version as unknown,
    }));
    if (!w.known) {
        say(`${what}: ${unknownAtPreview("its cluster and version", w.path)}`);
        return undefined;
    }
    const kcp = kcpOfCluster.get(`${w.value.ns}/${String(w.value.cluster)}`);
    if (!kcp) {
        say(
            `${what}: no KubeadmControlPlane for cluster ${String(w.value.cluster)} in this ` +
                `stack, so the version skew cannot be checked.`,
        );
        return undefined;
    }
    const cpv = readKnown(() => kcp.props.spec?.version as unknown);
    if (!cpv.known) {
        say(`${what}: ${unknownAtPreview("the control plane's spec.version", cpv.path)}`);
        return undefined;
    }
    return { worker: w.value.version, controlPlane: cpv.value };
}

function checkSkew(
    md: PolicyResource,
    kcpOfCluster: ReadonlyMap<string, PolicyResource>,
    maxMinorSkew: number,
    report: ReportViolation,
): void {
    const say: Say = (m) => report(m, md.urn);
    const what = `MachineDeployment ${namespacedName(md.props)}`;
    const v = versionsOf(md, what, kcpOfCluster, say);
    if (!v) {
        return;
    }
    const cp = parseKubeVersion(v.controlPlane);
    const worker = parseKubeVersion(v.worker);
    if (!cp || !worker) {
        say(
            `${what}: cannot compare versions ${JSON.stringify(v.worker)} (workers) ` +
                `and ${JSON.stringify(v.controlPlane)} (control plane); use "v1.34.2" format.`,
        );
        return;
    }
    const problem = skewProblem(cp, worker, maxMinorSkew);
    if (problem) {
        say(
            `${what}: workers at ${String(v.worker)}, control plane at ` +
                `${String(v.controlPlane)}: ${problem}. Upgrade the control plane first, then the workers.`,
        );
    }
}

export const kubernetesVersionSkew: StackValidationPolicy = {
    name: skewName,
    description:
        "MachineDeployment versions must not be newer than their cluster's KubeadmControlPlane, nor more than the allowed minors older.",
    severity: "high",
    configSchema: skewSchema,
    validateStack: (args, report) => {
        const cfg = readConfig<KubernetesVersionSkewConfig>(skewName, skewSchema, args.getConfig());
        const kcpOfCluster = controlPlanesByCluster(args.resources);
        for (const md of args.resources.filter((r) => r.type === types.MachineDeployment)) {
            checkSkew(md, kcpOfCluster, cfg.maxMinorSkew, report);
        }
    },
};

export const versionPolicies = [kubernetesVersionAllowed, kubernetesVersionSkew];
