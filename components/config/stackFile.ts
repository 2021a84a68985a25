// Reads a Pulumi.<stack>.yaml text the way the engine hands config to the program: the project's
// keys without the "cluster-fleet:" prefix. For tools that work without the engine (ipam, tests).
import * as yaml from "js-yaml";
import { PROJECT } from "../constants";

export function projectConfigOfStackFile(text: string): Record<string, unknown> {
    const doc = yaml.load(text) as { config?: Record<string, unknown> } | undefined;
    const prefix = `${PROJECT}:`;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc?.config ?? {})) {
        if (k.startsWith(prefix)) {
            raw[k.slice(prefix.length)] = v;
        }
    }
    return raw;
}
