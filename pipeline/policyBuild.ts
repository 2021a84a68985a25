// The policy pack, type-checked and compiled once per driver run of several regions. The SDK's
// policy runner (@pulumi/pulumi/cmd/run-policy-pack) has ts-node type-check the pack in every
// preview and up (typeCheck: true, with no switch): ~4-7 s of CPU and ~190 MiB per region. Where
// the driver checks the program once (typeCheck.ts), it checks the pack once too and hands the
// engine this JavaScript copy, which the runner loads without compiling anything.

import * as fs from "node:fs";
import * as path from "node:path";
import type * as TS from "typescript";
import { policyPackDir } from "./policyFiles";
import { moduleFile } from "./programFiles";
import { compilerOptions, loadTypeScript, throwOnTypeErrors } from "./typeCheck";
import { UsageError } from "./usageError";

export interface BuiltPolicyPack {
    /** The compiled pack: PulumiPolicy.yaml, package.json (main: the compiled entry), the code. */
    readonly packDir: string;
    /** JavaScript files written: the pack's and what it imports from the program. */
    readonly files: number;
}

const WHAT = "the policy pack";

/** Under `workDir`'s node_modules, so that the copy resolves the packages the pack's source does. */
export function policyBuildParent(workDir: string): string {
    return path.join(workDir, "node_modules", ".cache", "cluster-fleet");
}

/** The pack's package.json, read once: its `main` is the entry and the copy keeps the rest. */
function readPackage(source: string): Record<string, unknown> {
    const file = path.join(source, "package.json");
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
}

/** What the runner loads: package.json `main` of the pack (a directory means its index.ts). */
function packEntry(source: string, pkg: Record<string, unknown>): string {
    const main = typeof pkg.main === "string" && pkg.main.length > 0 ? pkg.main : "index.ts";
    const entry = moduleFile(path.resolve(source, main));
    if (!entry) {
        throw new UsageError(`${WHAT}'s entry ${path.resolve(source, main)} does not exist`);
    }
    return entry;
}

/** Emit settings over the pack's own: JavaScript only, laid out as under `workDir`. */
function emitOptions(options: TS.CompilerOptions, workDir: string, outDir: string) {
    return {
        ...options,
        outDir,
        rootDir: workDir,
        noEmit: false,
        noEmitOnError: true,
        declaration: false,
        declarationMap: false,
        emitDeclarationOnly: false,
        composite: false,
        incremental: false,
        sourceMap: false,
        inlineSourceMap: false,
    };
}

/**
 * Type-checks policy/ as the runner would (its entry and what it imports, with policy/tsconfig.json)
 * and compiles it into `outDir`; throws a ProgramTypeError (exit 2) naming every error.
 */
export function buildPolicyPack(workDir: string, outDir: string): BuiltPolicyPack {
    const source = policyPackDir(workDir);
    const tsconfig = path.join(source, "tsconfig.json");
    const ts = loadTypeScript(workDir);
    const options = compilerOptions(
        ts,
        fs.existsSync(tsconfig) ? tsconfig : undefined,
        workDir,
        WHAT,
    );
    const pkg = readPackage(source);
    const entry = packEntry(source, pkg);
    const program = ts.createProgram({
        rootNames: [entry],
        options: emitOptions(options, workDir, outDir),
    });
    throwOnTypeErrors(ts, program, workDir, WHAT);
    let files = 0;
    const emitted = program.emit(undefined, (file, text) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, text);
        files += 1;
    });
    if (emitted.emitSkipped) throw new UsageError(`${WHAT} could not be compiled to ${outDir}`);
    const packDir = path.join(outDir, path.relative(workDir, source));
    fs.copyFileSync(
        path.join(source, "PulumiPolicy.yaml"),
        path.join(packDir, "PulumiPolicy.yaml"),
    );
    // @pulumi/policy reads the pack's name and version from package.json in the pack directory.
    const main = path.relative(source, entry).replace(/\.ts$/, ".js");
    fs.writeFileSync(
        path.join(packDir, "package.json"),
        JSON.stringify({ ...pkg, main }, null, 4) + "\n",
    );
    return { packDir, files };
}
