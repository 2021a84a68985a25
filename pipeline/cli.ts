// Entry point of the pipeline driver:
//   node -r ts-node/register/transpile-only pipeline/cli.ts <command> [options]
// `main` takes its process dependencies as arguments so tests can drive it without the engine.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    parsePipelineArgs,
    USAGE,
    type EngineCommand,
    type ReportArgs,
    type RunArgs,
} from "./args";
import {
    checkpointEnv,
    displayBackend,
    resolveEngineEnvironment,
    transpileOnlyEnv,
} from "./environment";
import { ExitCode } from "./exitCodes";
import { resolvePolicies, type PolicyAttachment } from "./policyFiles";
import { regionParallelism } from "./parallelism";
import { prefixedLines } from "./prefixedLines";
import { runRegion, type StackOps } from "./region";
import { renderReport, formatDuration } from "./report";
import { planRollout, runRollout } from "./rollout";
import {
    discoverStacks,
    isProductionStack,
    parseStackFile,
    readStackFile,
    secretsProviderOf,
    selectStacks,
    type StackDoc,
} from "./stacks";
import { buildRunSummary, errorSummary } from "./summary";
import { latestSummaryFile, readSummary, writeSummary, writeTextFile } from "./summaryFile";
import { policyBuildParent } from "./policyBuild";
import { checksOnce } from "./typeCheck";
import { checkInWorker, type CheckedRun } from "./typeCheckWorker";
import { UsageError } from "./usageError";

/** A connected Pulumi CLI: its version and a way to open a region's stack. */
export interface EngineAccess {
    readonly version: string;
    opener(
        stack: string,
        command: EngineCommand,
        envVars: Readonly<Record<string, string>>,
    ): () => Promise<StackOps>;
}

export interface SignalSource {
    on(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
    off(signal: "SIGINT" | "SIGTERM", listener: () => void): unknown;
}

export interface CliDeps {
    readonly env: NodeJS.ProcessEnv;
    readonly cwd: string;
    /** The repository root (the Pulumi program directory). */
    readonly defaultWorkDir: string;
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
    readonly signals: SignalSource;
    /** Called on a second SIGINT: stop now without waiting for the engine. */
    readonly forceExit: (code: number) => void;
    readonly now: () => Date;
    readonly connect: (pulumiRoot: string | undefined, workDir: string) => Promise<EngineAccess>;
    /** Type-checks the program and compiles the policy pack into policyOutDir
     *  (typeCheckWorker.ts); rejects on a type error. */
    readonly typeCheck: (
        workDir: string,
        env: NodeJS.ProcessEnv,
        policyOutDir: string,
    ) => Promise<CheckedRun>;
}

/** Production wiring: the pinned CLI and LocalWorkspace stacks. */
export async function connectEngine(
    pulumiRoot: string | undefined,
    workDir: string,
): Promise<EngineAccess> {
    // Loaded here so `report` and `--help` do not pay for the Automation API.
    const ws = await import("./workspace");
    const pulumiCommand = await ws.resolvePulumiCommand(pulumiRoot);
    return {
        version: pulumiCommand.version?.version ?? ws.sdkVersion(),
        opener: (stack, command, envVars) =>
            ws.stackOpener({ workDir, stack, command, pulumiCommand, envVars }),
    };
}

function runReport(args: ReportArgs, deps: CliDeps): number {
    const files =
        args.summaryPaths.length > 0 ? args.summaryPaths : [latestSummaryFile(args.workDir)];
    const text = files.map((f) => renderReport(readSummary(f))).join("\n");
    deps.stdout(text);
    if (args.reportPath) {
        writeTextFile(args.reportPath, text);
    }
    return ExitCode.Ok;
}

/** A stack's file, read and parsed on first use and then kept: one read per stack and run. */
function stackDocs(workDir: string): (stack: string) => StackDoc | undefined {
    const docs = new Map<string, StackDoc | undefined>();
    return (stack) => {
        if (!docs.has(stack)) {
            docs.set(stack, parseStackFile(readStackFile(workDir, stack)));
        }
        return docs.get(stack);
    };
}

/** Refuses destroy without --yes, and of production stacks without --allow-prod-destroy. */
function checkDestroy(
    args: RunArgs,
    stacks: readonly string[],
    docOf: (stack: string) => StackDoc | undefined,
): void {
    if (!args.yes) {
        throw new UsageError(
            `destroy deletes every resource of ${stacks.join(", ")}; pass --yes to confirm`,
        );
    }
    const prod = stacks.filter((s) => isProductionStack(s, docOf(s)));
    if (prod.length > 0 && !args.allowProdDestroy) {
        throw new UsageError(
            `destroy: refusing to destroy production stack(s) ${prod.join(", ")}; ` +
                "pass --allow-prod-destroy as well if you really mean it",
        );
    }
}

/** The checks of a run of several regions, and the directory of the compiled policy pack. */
interface RunCheck extends CheckedRun {
    readonly buildDir: string;
}

/** The program and the policy pack, checked once before any stack is touched (exit 2 on errors). */
async function typeCheck(args: RunArgs, deps: CliDeps): Promise<RunCheck> {
    const started = deps.now().getTime();
    const parent = policyBuildParent(args.workDir);
    fs.mkdirSync(parent, { recursive: true });
    const buildDir = fs.mkdtempSync(path.join(parent, "policy-pack-"));
    let checked: CheckedRun;
    try {
        checked = await deps.typeCheck(args.workDir, deps.env, buildDir);
    } catch (err) {
        fs.rmSync(buildDir, { recursive: true, force: true });
        throw err;
    }
    const seconds = ((deps.now().getTime() - started) / 1000).toFixed(1);
    const { program, policyPack } = checked;
    deps.stderr(
        `type check: ${program.entry} and what it imports (${program.programFiles} program ` +
            `files, ${program.files} with declarations) and the policy pack (compiled to ` +
            `${policyPack.files} files): no errors (${seconds} s); the engine runs the program ` +
            `transpile-only and the compiled pack\n`,
    );
    return { ...checked, buildDir };
}

/** The attachments with the pack replaced by its compiled copy; each stack keeps its config. */
function withCompiledPack(
    policies: Map<string, PolicyAttachment>,
    check: RunCheck | undefined,
): Map<string, PolicyAttachment> {
    if (!check) return policies;
    const packDir = check.policyPack.packDir;
    return new Map([...policies].map(([stack, a]) => [stack, { ...a, packDir }]));
}

async function runCommand(args: RunArgs, deps: CliDeps): Promise<number> {
    const startedAt = deps.now();
    const selection = selectStacks(args.stacks, args.canary, discoverStacks(args.workDir));
    const docOf = stackDocs(args.workDir);
    if (args.command === "destroy") {
        checkDestroy(args, selection.stacks, docOf);
    }
    const sourcePolicies: Map<string, PolicyAttachment> =
        args.command === "preview" || args.command === "up"
            ? resolvePolicies(args.workDir, selection.stacks)
            : new Map();
    const engineEnv = resolveEngineEnvironment(
        args.backendUrl,
        args.workDir,
        deps.env,
        selection.stacks.map((s) => secretsProviderOf(docOf(s))),
    );
    if (args.skipCheckpoints) {
        deps.stderr(
            "--skip-checkpoints: the engine writes each region's state only when its " +
                `${args.command} ends; if it is killed or crashes, that region's state will not ` +
                "know what this run created or deleted\n",
        );
    }
    const engine = await deps.connect(args.pulumiRoot, args.workDir);
    // Once, before any stack is touched: a type error stops the run here (exit 2). With one
    // region, ts-node checks the program and the pack in its engine run, as under `pulumi up`.
    const checked = checksOnce(args.command, selection.stacks.length)
        ? await typeCheck(args, deps)
        : undefined;
    const policies = withCompiledPack(sourcePolicies, checked);
    const envVars = {
        ...engineEnv.envVars,
        ...checkpointEnv(args.skipCheckpoints),
        ...transpileOnlyEnv(checked?.program),
    };
    if (engineEnv.stateDir) {
        fs.mkdirSync(engineEnv.stateDir, { recursive: true });
    }

    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = () => {
        interrupts += 1;
        if (interrupts === 1) {
            deps.stderr(
                "Interrupted: cancelling the running regions and skipping the rest " +
                    "(press Ctrl-C again to stop at once)\n",
            );
            controller.abort();
        } else {
            deps.forceExit(ExitCode.Interrupted);
        }
    };
    deps.signals.on("SIGINT", onSignal);
    deps.signals.on("SIGTERM", onSignal);

    let regions;
    try {
        const plan = planRollout(
            selection.stacks,
            selection.canary,
            args.command,
            args.concurrency,
        );
        regions = await runRollout({
            plan,
            command: args.command,
            signal: controller.signal,
            run: async (stack, signal) => {
                const out = args.quiet ? undefined : prefixedLines(`[${stack}] `, deps.stderr);
                try {
                    return await runRegion(
                        engine.opener(stack, args.command, envVars),
                        {
                            stack,
                            command: args.command,
                            expectNoChanges: args.expectNoChanges,
                            policy: policies.get(stack),
                            onOutput: out,
                            onNotice: (line) => deps.stderr(`[${stack}] recovery: ${line}\n`),
                            parallel:
                                args.parallel ??
                                regionParallelism(docOf(stack), os.availableParallelism()),
                        },
                        signal,
                        () => deps.now().getTime(),
                    );
                } finally {
                    out?.flush();
                }
            },
            onRegionDone: (r) =>
                deps.stderr(
                    `[${r.stack}] ${args.command}: ${r.result} (${formatDuration(r.durationMs)})\n`,
                ),
        });
    } finally {
        deps.signals.off("SIGINT", onSignal);
        deps.signals.off("SIGTERM", onSignal);
        if (checked) fs.rmSync(checked.buildDir, { recursive: true, force: true });
    }

    const summary = buildRunSummary({
        command: args.command,
        startedAt,
        finishedAt: deps.now(),
        interrupted: controller.signal.aborted,
        canary: selection.canary,
        concurrency: args.concurrency,
        backend: displayBackend(engineEnv.backendUrl),
        pulumiVersion: engine.version,
        regions,
    });
    writeSummary(args.summaryPath, summary);
    const report = renderReport(summary);
    writeTextFile(args.reportPath, report);
    deps.stdout(report);
    const shown = (p: string) => {
        const rel = path.relative(deps.cwd, p);
        return rel && !rel.startsWith("..") ? rel : p;
    };
    deps.stderr(`Summary: ${shown(args.summaryPath)}; report: ${shown(args.reportPath)}\n`);
    return summary.exitCode;
}

/** Runs the driver; resolves to the process exit code. */
export async function main(argv: readonly string[], deps: CliDeps): Promise<number> {
    try {
        const args = parsePipelineArgs(argv, deps.env, deps.cwd, deps.defaultWorkDir);
        switch (args.command) {
            case "help":
                deps.stdout(USAGE);
                return ExitCode.Ok;
            case "report":
                return runReport(args, deps);
            default:
                return await runCommand(args, deps);
        }
    } catch (err) {
        if (err instanceof UsageError) {
            deps.stderr(`error: ${err.message}\n`);
            return ExitCode.Usage;
        }
        deps.stderr(`error: ${errorSummary(err)}\n`);
        return ExitCode.Failure;
    }
}

if (require.main === module) {
    const workDir = path.resolve(__dirname, "..");
    main(process.argv.slice(2), {
        env: process.env,
        cwd: process.cwd(),
        defaultWorkDir: workDir,
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        signals: process,
        forceExit: (code) => process.exit(code),
        now: () => new Date(),
        connect: connectEngine,
        typeCheck: checkInWorker,
    }).then(
        (code) => process.exit(code),
        (err) => {
            process.stderr.write(`error: ${errorSummary(err)}\n`);
            process.exit(ExitCode.Failure);
        },
    );
}
