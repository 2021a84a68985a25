// Where the Pulumi program starts and which tsconfig it compiles with, found the way the SDK's
// runner (@pulumi/pulumi/cmd/run) and the Node language host find them, so the driver's type
// check (typeCheck.ts) covers exactly what `pulumi up` would compile.

import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { UsageError } from "./usageError";

export interface ProgramFiles {
    /** The entry module, absolute. */
    readonly entry: string;
    /** The tsconfig the runner hands to ts-node, absolute; undefined: none (ts-node defaults). */
    readonly tsconfig?: string;
}

interface ProjectDoc {
    readonly main?: unknown;
    readonly runtime?: { readonly options?: { readonly tsconfig?: unknown } };
}

function readYaml(file: string): ProjectDoc {
    const doc = yaml.load(fs.readFileSync(file, "utf8"));
    return doc && typeof doc === "object" ? (doc as ProjectDoc) : {};
}

function readPackageMain(dir: string): string | undefined {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) return undefined;
    const main = (JSON.parse(fs.readFileSync(file, "utf8")) as { main?: unknown }).main;
    return typeof main === "string" && main.length > 0 ? main : undefined;
}

/** A module path as Node resolves it under ts-node: a directory means its index.ts. */
export function moduleFile(p: string): string | undefined {
    const candidates = [p, `${p}.ts`, path.join(p, "index.ts")];
    return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/**
 * The program's entry and tsconfig. Entry: Pulumi.yaml `main`, else package.json `main`, else
 * index.ts. tsconfig: Pulumi.yaml `runtime.options.tsconfig` (the host passes it on as
 * PULUMI_NODEJS_TSCONFIG_PATH, overriding the environment), else PULUMI_NODEJS_TSCONFIG_PATH,
 * else tsconfig.json when present.
 */
export function programFiles(workDir: string, env: NodeJS.ProcessEnv): ProgramFiles {
    const project = readYaml(path.join(workDir, "Pulumi.yaml"));
    const main = typeof project.main === "string" ? project.main : readPackageMain(workDir);
    const entry = moduleFile(path.resolve(workDir, main ?? "index.ts"));
    if (!entry) {
        throw new UsageError(
            `the program's entry ${path.resolve(workDir, main ?? "index.ts")} does not exist ` +
                "(Pulumi.yaml main, else package.json main, else index.ts)",
        );
    }
    const option = project.runtime?.options?.tsconfig;
    const named =
        typeof option === "string" ? option : env.PULUMI_NODEJS_TSCONFIG_PATH || undefined;
    const tsconfig = path.resolve(workDir, named ?? "tsconfig.json");
    if (!fs.existsSync(tsconfig)) {
        if (named) {
            // The runner fails the same way.
            throw new UsageError(
                `tsconfig ${tsconfig} (set by ${option ? "Pulumi.yaml" : "PULUMI_NODEJS_TSCONFIG_PATH"}) does not exist`,
            );
        }
        return { entry };
    }
    return { entry, tsconfig };
}
