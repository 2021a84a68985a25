// Process exit codes of the pipeline driver and how per-region results fold into one.
// pipeline/README.md documents the same table; keep both in step.

/** The driver's process exit codes. */
export const ExitCode = {
    /** Every region succeeded (and, where checked, found no changes). */
    Ok: 0,
    /** An engine error, a failed resource operation or an unexpected driver error. */
    Failure: 1,
    /** Bad arguments or environment (missing passphrase, policy config, CLI version mismatch). */
    Usage: 2,
    /** A mandatory policy was violated. */
    PolicyViolation: 3,
    /** `drift` found drift, or `preview --expect-no-changes` found changes. */
    ChangesFound: 4,
    /** SIGINT: the run was cancelled (128 + SIGINT, the shell convention). */
    Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The outcome of one region stack. */
export type RegionResult =
    "ok" | "changes" | "policy-violation" | "failed" | "interrupted" | "skipped";

/**
 * Highest first. A failure outranks everything: something may be half-applied and needs a person
 * whatever else happened. An interruption comes next: the run is incomplete, so any lesser verdict
 * (policy, changes, ok) would be a claim about regions that were never checked. A policy
 * violation blocks a rollout, whereas changes are information.
 */
const PRECEDENCE: readonly ExitCodeValue[] = [
    ExitCode.Failure,
    ExitCode.Interrupted,
    ExitCode.PolicyViolation,
    ExitCode.ChangesFound,
    ExitCode.Ok,
];

/** The exit code one region's result stands for; `skipped` contributes nothing (Ok). */
export function exitCodeForResult(result: RegionResult): ExitCodeValue {
    switch (result) {
        case "ok":
        case "skipped":
            return ExitCode.Ok;
        case "changes":
            return ExitCode.ChangesFound;
        case "policy-violation":
            return ExitCode.PolicyViolation;
        case "interrupted":
            return ExitCode.Interrupted;
        case "failed":
            return ExitCode.Failure;
    }
}

/** Picks the most severe of several exit codes by the precedence above. */
export function mostSevere(codes: readonly ExitCodeValue[]): ExitCodeValue {
    for (const code of PRECEDENCE) {
        if (codes.includes(code)) {
            return code;
        }
    }
    return ExitCode.Ok;
}

/**
 * The exit code of a whole run: the most severe region result, and Interrupted when SIGINT
 * arrived even if no region was in flight at that moment (the rest were skipped).
 */
export function overallExitCode(
    results: readonly RegionResult[],
    interrupted: boolean,
): ExitCodeValue {
    const codes = results.map(exitCodeForResult);
    if (interrupted) {
        codes.push(ExitCode.Interrupted);
    }
    return mostSevere(codes);
}

/** A short word for an exit code, used in the report headline. */
export function describeExitCode(code: number): string {
    switch (code) {
        case ExitCode.Ok:
            return "ok";
        case ExitCode.Failure:
            return "failure";
        case ExitCode.Usage:
            return "usage or configuration error";
        case ExitCode.PolicyViolation:
            return "policy violation";
        case ExitCode.ChangesFound:
            return "changes found";
        case ExitCode.Interrupted:
            return "interrupted";
        default:
            return `exit ${code}`;
    }
}
