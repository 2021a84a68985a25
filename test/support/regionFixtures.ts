// Raw stack configs for tests: the committed Pulumi.<stack>.yaml files, and a mutable copy.
import * as fs from "node:fs";
import * as path from "node:path";
import { projectConfigOfStackFile } from "../../components/config/stackFile";
import { PROJECT } from "../../components/constants";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The project's keys of Pulumi.<stack>.yaml without the "cluster-fleet:" prefix. */
export function rawStackConfig(stack: string): Record<string, unknown> {
    return projectConfigOfStackFile(
        fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"),
    );
}

/** A deep copy that a test may mutate. */
export function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v)) as T;
}

/** Raw project config as the engine passes it: prefixed keys, JSON strings. */
export function toEngineConfig(raw: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
        out[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}

/** Config keys of Pulumi.<stack>.yaml as the engine passes them (JSON strings). */
export function engineConfig(stack: string): Record<string, string> {
    return toEngineConfig(rawStackConfig(stack));
}
