// The machine-readable run summary: per-region results built from engine events and the CLI's
// exit, and run totals. pipeline/README.md documents the schema.

import type { EngineCommand } from "./args";
import { cliExitCodeOf, CliExit } from "./cliExitCode";
import type { ClusterOutputs, MASKED } from "./clusterOutputs";
import {
    cleanMessage,
    emptyChanges,
    hasChanges,
    type ChangeCounts,
    type EventDigest,
    type FailedResource,
    type PolicyLevel,
    type PolicyViolation,
    type RegionError,
} from "./events";
import { describeExitCode, overallExitCode, type RegionResult } from "./exitCodes";

export const SUMMARY_SCHEMA_VERSION = 1;

export interface RegionSummary {
    readonly stack: string;
    readonly command: EngineCommand;
    readonly result: RegionResult;
    readonly durationMs: number;
    readonly changes: ChangeCounts;
    readonly policyViolations: readonly PolicyViolation[];
    readonly errors: readonly RegionError[];
    readonly failedResources: readonly FailedResource[];
    /** From the stack's state after the operation; secrets masked as "[secret]". */
    readonly clusters?: ClusterOutputs | typeof MASKED;
    /** The Pulumi CLI's exit code, when it ran. */
    readonly cliExitCode?: number;
    /** Why a region was skipped, or other context for a person. */
    readonly note?: string;
    /** What the driver did on its own before the command: stale lock, interrupted update. */
    readonly recovery?: readonly string[];
}

export interface RunSummary {
    readonly schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
    readonly command: EngineCommand;
    readonly startedAt: string;
    readonly finishedAt: string;
    readonly durationMs: number;
    readonly exitCode: number;
    readonly outcome: string;
    readonly interrupted: boolean;
    readonly canary: string;
    readonly concurrency: number;
    /** Backend URL without credentials. */
    readonly backend: string;
    readonly pulumiVersion: string;
    /** Stacks in execution order. */
    readonly stacks: readonly string[];
    readonly regions: readonly RegionSummary[];
    readonly totals: RunTotals;
}

export interface RunTotals {
    readonly changes: ChangeCounts;
    readonly policyViolations: Record<PolicyLevel, number>;
    readonly errors: number;
    readonly results: Record<RegionResult, number>;
}

/** What one region's operation produced, before classification. */
export interface RegionOutcome {
    readonly command: EngineCommand;
    /** preview --expect-no-changes (drift always expects no changes). */
    readonly expectNoChanges: boolean;
    readonly digest: EventDigest;
    /** What the Automation API threw, if anything. */
    readonly error?: unknown;
    /** SIGINT reached this region while it ran. */
    readonly aborted: boolean;
}

export interface Classification {
    readonly result: RegionResult;
    readonly cliExitCode?: number;
    /** Errors to add when the events explain nothing (e.g. the CLI failed before the engine). */
    readonly extraErrors: readonly RegionError[];
}

const MAX_ERROR_LINES = 20;

/**
 * A short, redacted account of a thrown error. CommandError messages carry the CLI's whole
 * stdout and stderr; the "error:" lines are the useful part, else the last lines.
 */
export function errorSummary(err: unknown, secrets: readonly string[] = []): string {
    const name = (err as { name?: unknown })?.name;
    if (name === "ConcurrentUpdateError") {
        return (
            "the stack is locked by another update (ConcurrentUpdateError); wait for it to " +
            "finish, or run `pulumi cancel` if the lock is stale"
        );
    }
    if (name === "StackNotFoundError") {
        return "the stack does not exist in this backend (StackNotFoundError); check --backend";
    }
    const text = cleanMessage(String((err as { message?: unknown })?.message ?? err), secrets);
    const lines = text.split("\n").map((l) => l.trim());
    const errorLines = lines.filter((l) => /^error:/i.test(l));
    const picked = errorLines.length > 0 ? errorLines : lines.filter((l) => l.length > 0);
    // The SDK's message repeats stderr (once in its own text, once in the wrapped execa error).
    return [...new Set(picked)].slice(-MAX_ERROR_LINES).join("\n");
}

function expectsNoChanges(o: RegionOutcome): boolean {
    return o.command === "drift" || (o.command === "preview" && o.expectNoChanges);
}

export function classifyRegion(o: RegionOutcome, secrets: readonly string[] = []): Classification {
    const mandatory = o.digest.policyViolations.some((v) => v.level === "mandatory");
    if (o.error === undefined) {
        let result: RegionResult = "ok";
        if (mandatory) {
            result = "policy-violation";
        } else if (expectsNoChanges(o) && hasChanges(o.digest.changes)) {
            result = "changes";
        }
        return { result, cliExitCode: 0, extraErrors: [] };
    }
    const cliExitCode = cliExitCodeOf(o.error);
    const failed = o.digest.failedResources.length > 0;
    let result: RegionResult;
    if (cliExitCode === CliExit.ExpectNoChangesFailed && expectsNoChanges(o) && !failed) {
        result = "changes";
    } else if (failed) {
        // A graceful cancel lets in-flight operations finish, so a failed one is a real failure.
        result = "failed";
    } else if (o.aborted || cliExitCode === CliExit.Cancelled) {
        // Not digest.cancelled: the engine sends a cancelEvent at the end of every run, failed
        // or not ("…or the update successfully completes", automation/events.ts).
        result = "interrupted";
    } else if (mandatory) {
        // The CLI exits 1 for policy violations in 3.248 (code 5 is not wired yet).
        result = "policy-violation";
    } else {
        result = "failed";
    }
    const extraErrors =
        result === "failed" && o.digest.errors.length === 0
            ? [{ message: errorSummary(o.error, secrets) }]
            : [];
    return { result, cliExitCode, extraErrors };
}

/** A region that ran nothing the engine reported: no changes, findings or failed resources. */
function emptyRegion(
    stack: string,
    command: EngineCommand,
    result: RegionResult,
    durationMs: number,
): RegionSummary {
    return {
        stack,
        command,
        result,
        durationMs,
        changes: emptyChanges(),
        policyViolations: [],
        errors: [],
        failedResources: [],
    };
}

export function skippedRegion(stack: string, command: EngineCommand, note: string): RegionSummary {
    return { ...emptyRegion(stack, command, "skipped", 0), note };
}

/** A region whose runner threw: the runner reports engine failures itself, so this is a driver
 *  bug or an I/O error. */
export function crashedRegion(
    stack: string,
    command: EngineCommand,
    aborted: boolean,
    durationMs: number,
    err: unknown,
): RegionSummary {
    const result = aborted ? "interrupted" : "failed";
    return {
        ...emptyRegion(stack, command, result, durationMs),
        errors: [{ message: errorSummary(err) }],
    };
}

export function computeTotals(regions: readonly RegionSummary[]): RunTotals {
    const changes = emptyChanges();
    const policyViolations: Record<PolicyLevel, number> = {
        mandatory: 0,
        advisory: 0,
        remediate: 0,
    };
    const results: Record<RegionResult, number> = {
        ok: 0,
        changes: 0,
        "policy-violation": 0,
        failed: 0,
        interrupted: 0,
        skipped: 0,
    };
    let errors = 0;
    for (const r of regions) {
        for (const k of Object.keys(changes) as (keyof ChangeCounts)[]) {
            changes[k] += r.changes[k];
        }
        for (const v of r.policyViolations) {
            policyViolations[v.level] += 1;
        }
        errors += r.errors.length;
        results[r.result] += 1;
    }
    return { changes, policyViolations, errors, results };
}

export interface RunSummaryInput {
    readonly command: EngineCommand;
    readonly startedAt: Date;
    readonly finishedAt: Date;
    readonly interrupted: boolean;
    readonly canary: string;
    readonly concurrency: number;
    readonly backend: string;
    readonly pulumiVersion: string;
    readonly regions: readonly RegionSummary[];
}

export function buildRunSummary(input: RunSummaryInput): RunSummary {
    const exitCode = overallExitCode(
        input.regions.map((r) => r.result),
        input.interrupted,
    );
    return {
        schemaVersion: SUMMARY_SCHEMA_VERSION,
        command: input.command,
        startedAt: input.startedAt.toISOString(),
        finishedAt: input.finishedAt.toISOString(),
        durationMs: input.finishedAt.getTime() - input.startedAt.getTime(),
        exitCode,
        outcome: describeExitCode(exitCode),
        interrupted: input.interrupted,
        canary: input.canary,
        concurrency: input.concurrency,
        backend: input.backend,
        pulumiVersion: input.pulumiVersion,
        stacks: input.regions.map((r) => r.stack),
        regions: input.regions,
        totals: computeTotals(input.regions),
    };
}
