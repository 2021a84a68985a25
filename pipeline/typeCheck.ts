// The program's type check, once per driver run. Under a hand-typed `pulumi up` the SDK's runner
// has ts-node type-check the program at the start of every engine run: about 13 s of CPU on the
// lab, most of a small region's program CPU. The driver checks it here once, before any stack is
// touched, as ts-node would (the entry and what it imports, with the project's compiler options;
// not the tests or benches), and then runs every region transpile-only (environment.ts).

import { createRequire } from "node:module";
import * as path from "node:path";
import type * as TS from "typescript";
import type { EngineCommand } from "./args";
import { programFiles } from "./programFiles";
import { UsageError } from "./usageError";

export interface CheckedProgram {
    /** The entry, relative to the program directory. */
    readonly entry: string;
    /** Source files the compiler loaded: the program's own and declaration files. */
    readonly files: number;
    /** Of those, the program's own (outside node_modules). */
    readonly programFiles: number;
}

export interface TypeDiagnostic {
    /** Relative to the program directory; undefined for option and global errors. */
    readonly file?: string;
    readonly line?: number;
    readonly column?: number;
    readonly code: number;
    readonly message: string;
}

/** The program's (or the policy pack's) type errors: a usage error (exit 2), one line each. */
export class ProgramTypeError extends UsageError {
    constructor(
        readonly diagnostics: readonly TypeDiagnostic[],
        readonly what = "the program",
    ) {
        super(formatTypeErrors(diagnostics, what));
        this.name = "ProgramTypeError";
    }
}

const SHOWN = 20;

/** `file:line:column TSnnnn message` per error, the first 20, then a count of the rest. */
export function formatTypeErrors(
    diagnostics: readonly TypeDiagnostic[],
    what = "the program",
): string {
    const lines = diagnostics.slice(0, SHOWN).map((d) => {
        const where = d.file ? `${d.file}:${d.line}:${d.column}` : "tsconfig";
        return `  ${where} TS${d.code}: ${d.message.replace(/\n/g, "\n    ")}`;
    });
    if (diagnostics.length > SHOWN) {
        lines.push(`  … and ${diagnostics.length - SHOWN} more`);
    }
    const n = diagnostics.length;
    return (
        `${what} does not type-check (${n} error${n === 1 ? "" : "s"}); no stack was touched:\n` +
        lines.join("\n")
    );
}

// ts-node ignores these by default: they concern tsconfig's file lists, which it does not use.
const IGNORED = new Set([6059, 18002, 18003]);

export function toDiagnostic(ts: typeof TS, d: TS.Diagnostic, workDir: string): TypeDiagnostic {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) {
        return { code: d.code, message };
    }
    const pos = d.file.getLineAndCharacterOfPosition(d.start);
    return {
        file: path.relative(workDir, d.file.fileName),
        line: pos.line + 1,
        column: pos.character + 1,
        code: d.code,
        message,
    };
}

/** The TypeScript the runner would use: the program's own, else the driver's. */
export function loadTypeScript(workDir: string): typeof TS {
    try {
        return createRequire(path.join(workDir, "package.json"))("typescript") as typeof TS;
    } catch {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require("typescript") as typeof TS;
    }
}

export function compilerOptions(
    ts: typeof TS,
    tsconfig: string | undefined,
    workDir: string,
    what = "the program",
): TS.CompilerOptions {
    if (!tsconfig) return {};
    // Read as a source file, so that an error in it has a line.
    const json = ts.readJsonConfigFile(tsconfig, (f) => ts.sys.readFile(f));
    const parsed = ts.parseJsonSourceFileConfigFileContent(
        json,
        ts.sys,
        path.dirname(tsconfig),
        undefined,
        tsconfig,
    );
    const errors = ts.getConfigFileParsingDiagnostics(parsed).filter((e) => !IGNORED.has(e.code));
    if (errors.length > 0) {
        throw new ProgramTypeError(
            errors.map((e) => toDiagnostic(ts, e, workDir)),
            what,
        );
    }
    // noCheck in tsconfig would make the runner skip its check too; the driver's check is the one
    // every engine run relies on, so it never honours it.
    const options = { ...parsed.options };
    delete options.noCheck;
    return options;
}

/** Throws a ProgramTypeError naming each of the compiled program's errors, if any. */
export function throwOnTypeErrors(
    ts: typeof TS,
    program: TS.Program,
    workDir: string,
    what = "the program",
): void {
    const errors = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.category === ts.DiagnosticCategory.Error && !IGNORED.has(d.code));
    if (errors.length > 0) {
        throw new ProgramTypeError(
            errors.map((d) => toDiagnostic(ts, d, workDir)),
            what,
        );
    }
}

/**
 * Type-checks the program in `workDir`; throws a ProgramTypeError (exit 2) naming every error's
 * file:line. Synchronous and CPU-bound (~10-15 s for this program on a loaded 2-core machine).
 */
export function checkProgram(workDir: string, env: NodeJS.ProcessEnv): CheckedProgram {
    const files = programFiles(workDir, env);
    const ts = loadTypeScript(workDir);
    const program = ts.createProgram({
        rootNames: [files.entry],
        options: compilerOptions(ts, files.tsconfig, workDir),
    });
    throwOnTypeErrors(ts, program, workDir);
    const sources = program.getSourceFiles();
    return {
        entry: path.relative(workDir, files.entry),
        files: sources.length,
        programFiles: sources.filter((s) => !/[\\/]node_modules[\\/]/.test(s.fileName)).length,
    };
}

/**
 * Whether the command's engine runs execute the program: preview and up do. refresh (drift) and
 * destroy work from the state alone, so checking would only cost time, and a type error would
 * block a destroy. (Were they told to run the program, with PULUMI_RUN_PROGRAM=true, ts-node
 * would check it in them as before: the driver sets transpile-only only after its own check.)
 */
export function runsProgram(command: EngineCommand): boolean {
    return command === "preview" || command === "up";
}

/**
 * Whether the driver checks once instead of ts-node in every region: when the command runs the
 * program in more than one region. With one region the check saves nothing (measured on the lab:
 * the same CPU, and 5-12 s more wall time, because ts-node's check overlaps the engine's start).
 */
export function checksOnce(command: EngineCommand, regions: number): boolean {
    return runsProgram(command) && regions > 1;
}
