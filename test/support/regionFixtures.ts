// Raw stack configs for tests: the committed Pulumi.<stack>.yaml files, and a mutable copy.
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT } from "../../components/constants";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The project's keys of Pulumi.<stack>.yaml without the "cluster-fleet:" prefix. */
export function rawStackConfig(stack: string): Record<string, unknown> {
    const doc = yaml.load(
        fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"),
    ) as { config: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        if (k.startsWith(`${PROJECT}:`)) {
            raw[k.slice(PROJECT.length + 1)] = v;
        }
    }
    return raw;
}

/** A deep copy that a test may mutate. */
export function clone<T>(v: T): T {
    return JSON.parse(JSON.stringify(v)) as T;
}

/** Config keys of Pulumi.<stack>.yaml as the engine passes them (JSON strings). */
export function engineConfig(stack: string): Record<string, string> {
    const doc = yaml.load(
        fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8"),
    ) as { config: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        out[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}
