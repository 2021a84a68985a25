// Command-line parsing for the pipeline driver. Pure: argv, environment and cwd in, typed args out.

import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "./usageError";

export const ENGINE_COMMANDS = ["preview", "up", "drift", "destroy"] as const;
export type EngineCommand = (typeof ENGINE_COMMANDS)[number];

/** Arguments of preview/up/drift/destroy. */
export interface RunArgs {
    readonly command: EngineCommand;
    /** The Pulumi program directory (holds Pulumi.yaml). */
    readonly workDir: string;
    /** Stacks in the order given; undefined means every Pulumi.<stack>.yaml in workDir. */
    readonly stacks?: readonly string[];
    /** Runs alone first; defaults to the first stack. */
    readonly canary?: string;
    readonly concurrency: number;
    /** Resource operations in flight per region; undefined: computed per region (parallelism.ts). */
    readonly parallel?: number;
    readonly summaryPath: string;
    readonly reportPath: string;
    /** From --backend; the environment is consulted later (environment.ts). */
    readonly backendUrl?: string;
    /** Root of a Pulumi CLI installation (<root>/bin/pulumi); PATH when undefined. */
    readonly pulumiRoot?: string;
    readonly expectNoChanges: boolean;
    readonly yes: boolean;
    readonly allowProdDestroy: boolean;
    /** up/destroy: the engine writes the checkpoint only at the end (environment.ts checkpointEnv). */
    readonly skipCheckpoints: boolean;
    readonly quiet: boolean;
}

/** Arguments of `report`: render existing summary files, no engine run. */
export interface ReportArgs {
    readonly command: "report";
    readonly workDir: string;
    /** Explicit summary files; empty means the newest out/summary-*.json. */
    readonly summaryPaths: readonly string[];
    readonly reportPath?: string;
}

export interface HelpArgs {
    readonly command: "help";
}

export type PipelineArgs = RunArgs | ReportArgs | HelpArgs;

export const USAGE = `Usage: fleet <command> [options]

Commands:
  preview   preview every region stack with the policy pack attached
  up        deploy: the canary region first, then the rest
  drift     refresh --preview-only --expect-no-changes on every region
  destroy   destroy region stacks in reverse order (canary last); needs --yes
  report    render the newest summary file (or --summary files) as a readable report

Options:
  --stacks a,b          region stacks in rollout order (default: every Pulumi.<stack>.yaml)
  --canary <stack>      region that runs alone first (default: the first stack)
  --concurrency <n>     regions in flight after the canary (default: 2)
  --parallel <n>        resource operations in flight per region (default: 4 per CPU
                        + 2 per cluster of the region, so every readiness wait runs at once)
  --summary <file>      summary JSON to write (report: to read; repeatable)
                        (default: out/summary-<command>.json)
  --report <file>       readable report to write (default: out/report-<command>.md)
  --backend <url>       state backend (default: $PULUMI_BACKEND_URL, else file://<work-dir>/.pulumi-state)
  --pulumi-root <dir>   Pulumi CLI installation root, <dir>/bin/pulumi (default: $PULUMI_ROOT, else PATH)
  --work-dir <dir>      Pulumi program directory (default: the repository root)
  --expect-no-changes   preview: exit 4 when any region has changes
  --yes                 destroy: confirm
  --allow-prod-destroy  destroy: allow production stacks
  --skip-checkpoints    up/destroy: write the state only when the operation ends, not after
                        every step (much less engine CPU on large regions; a killed or crashed
                        engine loses the record of everything that run did: pipeline/README.md)
  --quiet               do not stream engine output
  -h, --help            this text

Exit codes: 0 ok, 1 failure, 2 usage/config error, 3 policy violation, 4 drift/changes found,
130 interrupted. The passphrase comes from PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE.
`;

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Throws a UsageError unless `name` is a plain stack name (it becomes part of file paths). */
export function validateStackName(name: string, field: string): string {
    if (!STACK_NAME.test(name)) {
        throw new UsageError(
            `${field}: "${name}" is not a valid stack name; use letters, digits, "_", "." and "-" ` +
                `(no organization/project prefix)`,
        );
    }
    return name;
}

function parseStacks(values: readonly string[]): string[] {
    const stacks = values
        .flatMap((v) => v.split(","))
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => validateStackName(s, "--stacks"));
    if (stacks.length === 0) {
        throw new UsageError("--stacks: give at least one stack, e.g. --stacks dev,prod");
    }
    const dup = stacks.find((s, i) => stacks.indexOf(s) !== i);
    if (dup) {
        throw new UsageError(`--stacks: "${dup}" is listed twice`);
    }
    return stacks;
}

function parsePositive(name: string, raw: string): number {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
        throw new UsageError(`--${name}: "${raw}" is not a positive integer, e.g. --${name} 2`);
    }
    return n;
}

function parseConcurrency(raw: string | undefined): number {
    return raw === undefined ? 2 : parsePositive("concurrency", raw);
}

const OPTIONS = {
    stacks: { type: "string", multiple: true },
    canary: { type: "string" },
    concurrency: { type: "string" },
    parallel: { type: "string" },
    summary: { type: "string", multiple: true },
    report: { type: "string" },
    backend: { type: "string" },
    "pulumi-root": { type: "string" },
    "work-dir": { type: "string" },
    "expect-no-changes": { type: "boolean" },
    yes: { type: "boolean" },
    "allow-prod-destroy": { type: "boolean" },
    "skip-checkpoints": { type: "boolean" },
    quiet: { type: "boolean" },
    help: { type: "boolean", short: "h" },
} as const;

type OptionName = keyof typeof OPTIONS;

/** Options every engine command takes. */
const ENGINE_OPTIONS: readonly OptionName[] = [
    "stacks",
    "canary",
    "concurrency",
    "parallel",
    "summary",
    "report",
    "backend",
    "pulumi-root",
    "quiet",
];

/** Options each command accepts beyond --work-dir and --help. */
const ALLOWED: Record<EngineCommand | "report", readonly OptionName[]> = {
    preview: [...ENGINE_OPTIONS, "expect-no-changes"],
    up: [...ENGINE_OPTIONS, "skip-checkpoints"],
    drift: ENGINE_OPTIONS,
    destroy: [...ENGINE_OPTIONS, "yes", "allow-prod-destroy", "skip-checkpoints"],
    report: ["summary", "report"],
};

/** node:util's parse; its own messages (unknown option, missing value) come with the usage. */
function parseArgv(argv: readonly string[]) {
    try {
        return parseArgs({
            args: [...argv],
            options: OPTIONS,
            allowPositionals: true,
            strict: true,
        });
    } catch (err) {
        throw new UsageError(`${(err as Error).message}\n\n${USAGE}`);
    }
}

type OptionValues = ReturnType<typeof parseArgv>["values"];

/** The one positional, which must name a command. */
function commandOf(positionals: readonly string[]): EngineCommand | "report" {
    if (positionals.length !== 1) {
        throw new UsageError(
            positionals.length === 0
                ? `missing command: one of ${[...ENGINE_COMMANDS, "report"].join(", ")}\n\n${USAGE}`
                : `expected one command, got ${positionals.map((p) => `"${p}"`).join(" ")}`,
        );
    }
    const command = positionals[0];
    if (command !== "report" && !(ENGINE_COMMANDS as readonly string[]).includes(command)) {
        throw new UsageError(
            `unknown command "${command}": use one of ${[...ENGINE_COMMANDS, "report"].join(", ")}`,
        );
    }
    return command as EngineCommand | "report";
}

/** Rejects options the command does not take, rather than silently ignoring them. */
function checkAllowed(command: EngineCommand | "report", values: OptionValues): void {
    const allowed = ALLOWED[command];
    for (const [key, value] of Object.entries(values)) {
        const name = key as keyof typeof OPTIONS;
        if (value !== undefined && name !== "work-dir" && !allowed.includes(name)) {
            throw new UsageError(`--${name} does not apply to "${command}"`);
        }
    }
}

/** --stacks and --canary, validated together: the canary must be one of the stacks. */
function parseSelection(values: OptionValues): { stacks?: string[]; canary?: string } {
    const stacks = values.stacks ? parseStacks(values.stacks) : undefined;
    const canary =
        values.canary !== undefined ? validateStackName(values.canary, "--canary") : undefined;
    if (canary !== undefined && stacks !== undefined && !stacks.includes(canary)) {
        throw new UsageError(
            `--canary: "${canary}" is not one of --stacks ${stacks.join(",")}; add it or pick another`,
        );
    }
    return { stacks, canary };
}

const emptyToUndefined = (v: string | undefined) => (v && v.length > 0 ? v : undefined);

function runArgs(
    command: EngineCommand,
    values: OptionValues,
    env: NodeJS.ProcessEnv,
    workDir: string,
    resolve: (p: string) => string,
): RunArgs {
    if ((values.summary ?? []).length > 1) {
        throw new UsageError(`--summary: give one file for "${command}"`);
    }
    const { stacks, canary } = parseSelection(values);
    const pulumiRoot = emptyToUndefined(values["pulumi-root"]) ?? emptyToUndefined(env.PULUMI_ROOT);
    return {
        command,
        workDir,
        stacks,
        canary,
        concurrency: parseConcurrency(values.concurrency),
        parallel:
            values.parallel !== undefined ? parsePositive("parallel", values.parallel) : undefined,
        summaryPath: values.summary?.[0]
            ? resolve(values.summary[0])
            : path.join(workDir, "out", `summary-${command}.json`),
        reportPath: values.report
            ? resolve(values.report)
            : path.join(workDir, "out", `report-${command}.md`),
        backendUrl: emptyToUndefined(values.backend),
        pulumiRoot: pulumiRoot ? resolve(pulumiRoot) : undefined,
        expectNoChanges: values["expect-no-changes"] ?? false,
        yes: values.yes ?? false,
        allowProdDestroy: values["allow-prod-destroy"] ?? false,
        skipCheckpoints: values["skip-checkpoints"] ?? false,
        quiet: values.quiet ?? false,
    };
}

/**
 * Parses `argv` (without node and script). `defaultWorkDir` is the repository root; relative
 * paths are resolved against `cwd`.
 */
export function parsePipelineArgs(
    argv: readonly string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
    defaultWorkDir: string,
): PipelineArgs {
    const { values, positionals } = parseArgv(argv);
    if (values.help) {
        return { command: "help" };
    }
    const command = commandOf(positionals);
    checkAllowed(command, values);

    const resolve = (p: string) => path.resolve(cwd, p);
    const workDir = values["work-dir"] ? resolve(values["work-dir"]) : defaultWorkDir;
    if (command === "report") {
        return {
            command: "report",
            workDir,
            summaryPaths: (values.summary ?? []).map(resolve),
            reportPath: values.report ? resolve(values.report) : undefined,
        };
    }
    return runArgs(command, values, env, workDir, resolve);
}
