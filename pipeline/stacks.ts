// Which region stacks a run covers, which goes first, and which are production.

import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { validateStackName } from "./args";
import { UsageError } from "./usageError";

const STACK_FILE = /^Pulumi\.([^/]+)\.ya?ml$/;
/** The local real-engine lab (scripts/lab): only run when named, never as a region by default. */
const LAB_STACK = /^lab([-_.]|$)/;

/** Stack names that have a Pulumi.<stack>.yaml in `workDir`, sorted. */
export function discoverStacks(workDir: string): string[] {
    if (!fs.existsSync(path.join(workDir, "Pulumi.yaml"))) {
        throw new UsageError(
            `${workDir} has no Pulumi.yaml; point --work-dir at the Pulumi program directory`,
        );
    }
    return fs
        .readdirSync(workDir)
        .map((f) => STACK_FILE.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

export interface StackSelection {
    readonly stacks: readonly string[];
    readonly canary: string;
}

/**
 * Checks the requested stacks against the stack files and picks the canary: the given one, else
 * the first stack. Every stack needs its Pulumi.<stack>.yaml: that is where its config lives.
 */
export function selectStacks(
    requested: readonly string[] | undefined,
    canary: string | undefined,
    discovered: readonly string[],
): StackSelection {
    const stacks =
        requested ??
        discovered
            .filter((s) => !LAB_STACK.test(s))
            .map((s) => validateStackName(s, "Pulumi.<stack>.yaml"));
    if (stacks.length === 0) {
        throw new UsageError(
            "no stacks: the program directory has no Pulumi.<stack>.yaml; pass --stacks or add one",
        );
    }
    const missing = stacks.filter((s) => !discovered.includes(s));
    if (missing.length > 0) {
        throw new UsageError(
            `--stacks: no Pulumi.<stack>.yaml for ${missing.join(", ")}; ` +
                `known stacks are ${discovered.join(", ") || "(none)"}`,
        );
    }
    const chosen = canary ?? stacks[0];
    if (!stacks.includes(chosen)) {
        throw new UsageError(`--canary: "${chosen}" is not one of ${stacks.join(", ")}`);
    }
    return { stacks, canary: chosen };
}

const PROD_NAME = /^prod(uction)?([-_.]|$)/i;
const PROD_VALUE = /^prod(uction)?$/i;

function isProdValue(v: unknown): boolean {
    return typeof v === "string" && PROD_VALUE.test(v);
}

/** A stack file's YAML document, the parts the driver reads. */
export interface StackDoc {
    readonly secretsprovider?: unknown;
    readonly config?: Record<string, unknown>;
}

/**
 * Parses a stack file's text (undefined: no file) once for every reader below. Throws js-yaml's
 * error on invalid YAML; a document that is not a mapping reads as an empty one.
 */
export function parseStackFile(stackYaml: string | undefined): StackDoc | undefined {
    if (stackYaml === undefined) {
        return undefined;
    }
    const doc: unknown = yaml.load(stackYaml);
    return doc !== null && typeof doc === "object" ? (doc as StackDoc) : undefined;
}

/**
 * A stack is production when its name starts with "prod" or its config sets an `environment`
 * (a `<ns>:environment` key, or a field of an object-valued key) to "prod"/"production".
 */
export function isProductionStack(name: string, doc: StackDoc | undefined): boolean {
    if (PROD_NAME.test(name)) {
        return true;
    }
    for (const [key, value] of Object.entries(doc?.config ?? {})) {
        const isEnvKey = key.split(":").pop() === "environment";
        const nested =
            value !== null && typeof value === "object"
                ? (value as Record<string, unknown>).environment
                : undefined;
        if ((isEnvKey && isProdValue(value)) || isProdValue(nested)) {
            return true;
        }
    }
    return false;
}

/** Reads Pulumi.<stack>.yaml (or .yml) from `workDir`, undefined when absent. */
export function readStackFile(workDir: string, stack: string): string | undefined {
    for (const ext of ["yaml", "yml"]) {
        const file = path.join(workDir, `Pulumi.${stack}.${ext}`);
        if (fs.existsSync(file)) {
            return fs.readFileSync(file, "utf8");
        }
    }
    return undefined;
}

/**
 * The stack's secrets provider from its stack file (`secretsprovider:`), "passphrase" when the
 * file sets none or does not exist yet (the default of a self-managed backend's new stack).
 */
export function secretsProviderOf(doc: StackDoc | undefined): string {
    const p = doc?.secretsprovider;
    return typeof p === "string" && p !== "" ? p : "passphrase";
}
