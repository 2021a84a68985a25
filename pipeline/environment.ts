// The engine's environment: state backend, secrets passphrase and CLI settings.
// Fails early with a clear message instead of letting the CLI prompt (stdin is closed in CI).

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckedProgram } from "./typeCheck";
import { UsageError } from "./usageError";

export interface EngineEnvironment {
    readonly backendUrl: string;
    /** Local directory of a file:// backend, created before the run. */
    readonly stateDir?: string;
    /** Extra variables for every CLI call (the passphrase is inherited, never copied here). */
    readonly envVars: Readonly<Record<string, string>>;
}

/** The state directory of the default backend. Gitignored. */
export function defaultBackendUrl(workDir: string): string {
    return `file://${path.join(workDir, ".pulumi-state")}`;
}

function isServiceBackend(url: string): boolean {
    return /^https?:\/\//i.test(url);
}

/**
 * Resolves the backend (--backend, else PULUMI_BACKEND_URL, else file://<workDir>/.pulumi-state)
 * and checks the passphrase for non-service backends when a stack uses the passphrase provider
 * (`secretsProviders`: one per selected stack, stacks.ts secretsProviderOf; a stack on awskms://,
 * hashivault:// etc. needs no passphrase).
 */
export function resolveEngineEnvironment(
    backendFlag: string | undefined,
    workDir: string,
    env: NodeJS.ProcessEnv,
    secretsProviders: readonly string[] = ["passphrase"],
): EngineEnvironment {
    const backendUrl = backendFlag ?? (env.PULUMI_BACKEND_URL || defaultBackendUrl(workDir));
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(backendUrl)) {
        throw new UsageError(
            `backend "${displayBackend(backendUrl)}" is not a URL; use e.g. file:///abs/dir or https://api.pulumi.com`,
        );
    }
    const passphraseStacks = secretsProviders.filter((p) => p === "passphrase").length;
    if (!isServiceBackend(backendUrl) && passphraseStacks > 0) {
        const passphraseFile = env.PULUMI_CONFIG_PASSPHRASE_FILE;
        if (env.PULUMI_CONFIG_PASSPHRASE === undefined && !passphraseFile) {
            throw new UsageError(
                "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE must be set: the " +
                    `${displayBackend(backendUrl)} backend encrypts secrets with a passphrase and ` +
                    "the driver never prompts",
            );
        }
        if (env.PULUMI_CONFIG_PASSPHRASE === undefined && passphraseFile) {
            try {
                fs.accessSync(passphraseFile, fs.constants.R_OK);
            } catch {
                throw new UsageError(
                    `PULUMI_CONFIG_PASSPHRASE_FILE: cannot read ${passphraseFile}; fix the path or permissions`,
                );
            }
        }
    }
    let stateDir: string | undefined;
    if (/^file:\/\/\//i.test(backendUrl)) {
        stateDir = fileURLToPath(backendUrl.replace(/\?.*$/, ""));
    }
    return {
        backendUrl,
        stateDir,
        envVars: { PULUMI_BACKEND_URL: backendUrl, PULUMI_SKIP_UPDATE_CHECK: "true" },
    };
}

/** The backend URL without credentials or query parameters, for logs and the summary. */
export function displayBackend(url: string): string {
    try {
        const u = new URL(url);
        u.username = "";
        u.password = "";
        u.search = "";
        return u.toString();
    } catch {
        return url.replace(/\/\/[^@/]*@/, "//").replace(/\?.*$/, "");
    }
}

/**
 * The engine's checkpoint writes. By default it rewrites the whole checkpoint after every
 * resource step (crash-safe; the CPU grows with steps x checkpoint size). With `skip`
 * (--skip-checkpoints) it writes only when the operation ends, also when it fails or is
 * cancelled, but a killed or crashed engine leaves the state as it was before the run. Always
 * set, so an inherited PULUMI_SKIP_CHECKPOINTS never turns it on unasked.
 */
export function checkpointEnv(skip: boolean): Record<string, string> {
    return { PULUMI_SKIP_CHECKPOINTS: skip ? "true" : "false" };
}

/**
 * ts-node's type check in the program's engine runs. On ("true") only when this driver run has
 * type-checked the program (typeCheck.ts): then each run only transpiles, instead of every
 * region's preview or up checking the same code again. Off ("false") otherwise, also over an
 * inherited PULUMI_NODEJS_TRANSPILE_ONLY=true, so nothing runs the program unchecked.
 */
export function transpileOnlyEnv(checked: CheckedProgram | undefined): Record<string, string> {
    return { PULUMI_NODEJS_TRANSPILE_ONLY: checked ? "true" : "false" };
}
