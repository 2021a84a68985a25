// Per-cluster outputs for the summary, read from the stack's exported state with every secret
// replaced by "[secret]". The state marks secrets at any depth (the SDK's OutputMap only says
// whether a whole top-level output is secret), so masking here keeps nested secrets masked.

import type { Deployment } from "@pulumi/pulumi/automation";

/** The engine's secret signature (sdk/go/common/resource/sig). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const MASKED = "[secret]";

/** The program's `clusters` output: cluster name -> its fields, or masked as a whole. */
export type ClusterOutputs = Record<string, Record<string, unknown> | typeof MASKED>;

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** Deep copy of `value` with every secret-signed object replaced by "[secret]". */
export function maskSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(maskSecrets);
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SECRET_SIG_KEY] === SECRET_SIG) {
            return MASKED;
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            out[k] = maskSecrets(v);
        }
        return out;
    }
    return value;
}

/** The root stack resource's outputs, masked; undefined for an empty (new or destroyed) stack. */
export function stackOutputsFromDeployment(
    deployment: Deployment,
): Record<string, unknown> | undefined {
    const resources: unknown = deployment?.deployment?.resources;
    if (!Array.isArray(resources)) {
        return undefined;
    }
    const root = resources.find(
        (r: { type?: unknown }) =>
            r !== null && typeof r === "object" && r.type === ROOT_STACK_TYPE,
    ) as { outputs?: Record<string, unknown> } | undefined;
    if (!root) {
        return undefined;
    }
    return maskSecrets(root.outputs ?? {}) as Record<string, unknown>;
}

/** The `clusters` output shaped for the summary; undefined when the stack does not export it. */
export function clusterOutputs(
    outputs: Record<string, unknown> | undefined,
): ClusterOutputs | typeof MASKED | undefined {
    const clusters = outputs?.clusters;
    if (clusters === MASKED) {
        return MASKED;
    }
    if (clusters === null || typeof clusters !== "object" || Array.isArray(clusters)) {
        return undefined;
    }
    const out: ClusterOutputs = {};
    for (const [name, value] of Object.entries(clusters as Record<string, unknown>)) {
        if (value === MASKED) {
            out[name] = MASKED;
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            out[name] = value as Record<string, unknown>;
        }
    }
    return out;
}
