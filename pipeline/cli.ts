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
    type EngineEnvironment,
} from "./environment";
import { ExitCode } from "./exitCodes";
import { resolvePolicies, type PolicyAttachment } from "./policyFiles";
import { regionParallelism } from "./parallelism";
import { prefixedLines } from "./prefixedLines";
import { runRegion, type StackOps } from "./region";
import { renderReport, formatDuration } from "./report";
import { planRollout, runRollout, type RegionRunner } from "./rollout";
import {
    discoverStacks,
    isProductionStack,
    parseStackFile,
    readStackFile,
    secretsProviderOf,
    selectStacks,
    type StackDoc,
    type StackSelection,
} from "./stacks";
import { buildRunSummary, errorSummary, type RegionSummary, type RunSummary } from "./summary";
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

/** What a run settles before it connects: its stacks, their files, policies and engine env. */
interface RunSetup {
    readonly selection: StackSelection;
    readonly docOf: (stack: string) => StackDoc | undefined;
    readonly sourcePolicies: Map<string, PolicyAttachment>;
    readonly engineEnv: EngineEnvironment;
}

/** The checks that need no engine: stacks, the destroy guard, policy configs, the passphrase. */
function prepareRun(args: RunArgs, deps: CliDeps): RunSetup {
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
    return { selection, docOf, sourcePolicies, engineEnv };
}

/** What every region of a run shares. */
interface RegionContext {
    readonly engine: EngineAccess;
    readonly envVars: Readonly<Record<string, string>>;
    readonly policies: Map<string, PolicyAttachment>;
    readonly docOf: (stack: string) => StackDoc | undefined;
}

/** One region's run: its stack's policy and parallelism, engine output prefixed on stderr. */
function regionRunner(args: RunArgs, deps: CliDeps, ctx: RegionContext): RegionRunner {
    return async (stack, signal) => {
        const out = args.quiet ? undefined : prefixedLines(`[${stack}] `, deps.stderr);
        try {
            return await runRegion(
                ctx.engine.opener(stack, args.command, ctx.envVars),
                {
                    stack,
                    command: args.command,
                    expectNoChanges: args.expectNoChanges,
                    policy: ctx.policies.get(stack),
                    onOutput: out,
                    onNotice: (line) => deps.stderr(`[${stack}] recovery: ${line}\n`),
                    parallel:
                        args.parallel ??
                        regionParallelism(ctx.docOf(stack), os.availableParallelism()),
                },
                signal,
                () => deps.now().getTime(),
            );
        } finally {
            out?.flush();
        }
    };
}

/** SIGINT/SIGTERM abort the run (running regions cancel, the rest are skipped); a second exits. */
function watchInterrupts(deps: CliDeps): { readonly signal: AbortSignal; detach(): void } {
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
    return {
        signal: controller.signal,
        detach: () => {
            deps.signals.off("SIGINT", onSignal);
            deps.signals.off("SIGTERM", onSignal);
        },
    };
}

/** Why --skip-checkpoints is a risk, said before the run starts. */
function skipCheckpointsWarning(command: EngineCommand): string {
    return (
        "--skip-checkpoints: the engine writes each region's state only when its " +
        `${command} ends; if it is killed or crashes, that region's state will not ` +
        "know what this run created or deleted\n"
    );
}

/** The canary, then the rest; a SIGINT or SIGTERM during the rollout interrupts it. */
async function rollOut(
    args: RunArgs,
    deps: CliDeps,
    selection: StackSelection,
    run: RegionRunner,
): Promise<{ regions: RegionSummary[]; interrupted: boolean }> {
    const interrupts = watchInterrupts(deps);
    try {
        const regions = await runRollout({
            plan: planRollout(selection.stacks, selection.canary, args.command, args.concurrency),
            command: args.command,
            signal: interrupts.signal,
            run,
            onRegionDone: (r) =>
                deps.stderr(
                    `[${r.stack}] ${args.command}: ${r.result} (${formatDuration(r.durationMs)})\n`,
                ),
        });
        return { regions, interrupted: interrupts.signal.aborted };
    } finally {
        interrupts.detach();
    }
}

/** Writes the summary and the report, prints the report, and says where both went. */
function publishRun(args: RunArgs, deps: CliDeps, summary: RunSummary): void {
    writeSummary(args.summaryPath, summary);
    const report = renderReport(summary);
    writeTextFile(args.reportPath, report);
    deps.stdout(report);
    const shown = (p: string) => {
        const rel = path.relative(deps.cwd, p);
        return rel && !rel.startsWith("..") ? rel : p;
    };
    deps.stderr(`Summary: ${shown(args.summaryPath)}; report: ${shown(args.reportPath)}\n`);
}

async function runCommand(args: RunArgs, deps: CliDeps): Promise<number> {
    const startedAt = deps.now();
    const { selection, docOf, sourcePolicies, engineEnv } = prepareRun(args, deps);
    if (args.skipCheckpoints) {
        deps.stderr(skipCheckpointsWarning(args.command));
    }
    const engine = await deps.connect(args.pulumiRoot, args.workDir);
    // Once, before any stack is touched: a type error stops the run here (exit 2). With one
    // region, ts-node checks the program and the pack in its engine run, as under `pulumi up`.
    const checked = checksOnce(args.command, selection.stacks.length)
        ? await typeCheck(args, deps)
        : undefined;
    const run = regionRunner(args, deps, {
        engine,
        envVars: {
            ...engineEnv.envVars,
            ...checkpointEnv(args.skipCheckpoints),
            ...transpileOnlyEnv(checked?.program),
        },
        policies: withCompiledPack(sourcePolicies, checked),
        docOf,
    });
    if (engineEnv.stateDir) {
        fs.mkdirSync(engineEnv.stateDir, { recursive: true });
    }

    let rollout;
    try {
        rollout = await rollOut(args, deps, selection, run);
    } finally {
        if (checked) fs.rmSync(checked.buildDir, { recursive: true, force: true });
    }

    const summary = buildRunSummary({
        command: args.command,
        startedAt,
        finishedAt: deps.now(),
        interrupted: rollout.interrupted,
        canary: selection.canary,
        concurrency: args.concurrency,
        backend: displayBackend(engineEnv.backendUrl),
        pulumiVersion: engine.version,
        regions: rollout.regions,
    });
    publishRun(args, deps, summary);
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
