// The policy pack and the per-stack policy config attached to every preview and up.
// A missing config file is an error: running a stack without its config would silently fall back
// to the pack's default enforcement levels.

import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "./usageError";

export interface PolicyAttachment {
    /** Directory holding PulumiPolicy.yaml. */
    readonly packDir: string;
    /** policy/config/<stack>.json */
    readonly configFile: string;
}

export function policyPackDir(workDir: string): string {
    return path.join(workDir, "policy");
}

export function policyConfigFile(workDir: string, stack: string): string {
    return path.join(policyPackDir(workDir), "config", `${stack}.json`);
}

/** Checks the pack and every stack's config file; returns them by stack. */
export function resolvePolicies(
    workDir: string,
    stacks: readonly string[],
): Map<string, PolicyAttachment> {
    const packDir = policyPackDir(workDir);
    if (!fs.existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
        throw new UsageError(
            `policy pack: ${path.join(packDir, "PulumiPolicy.yaml")} not found; ` +
                "the pack must be present to preview or deploy",
        );
    }
    const out = new Map<string, PolicyAttachment>();
    const missing: string[] = [];
    for (const stack of stacks) {
        const configFile = policyConfigFile(workDir, stack);
        if (!fs.existsSync(configFile)) {
            missing.push(path.relative(workDir, configFile));
            continue;
        }
        try {
            JSON.parse(fs.readFileSync(configFile, "utf8"));
        } catch (err) {
            throw new UsageError(
                `policy config ${path.relative(workDir, configFile)} is not valid JSON: ${(err as Error).message}`,
            );
        }
        out.set(stack, { packDir, configFile });
    }
    if (missing.length > 0) {
        throw new UsageError(
            `policy config missing for ${missing.join(", ")}: every stack needs ` +
                "policy/config/<stack>.json (policy name -> enforcement level and settings)",
        );
    }
    return out;
}
