// The Pulumi CLI's exit code from an Automation API CommandError.
// In 3.248 the SDK's exec catches execa's rejection and wraps it with code -2, so the CLI's own
// code survives only in the wrapped execa error (`exitCode`) and in its message
// ("Command failed with exit code 7: pulumi ..."). CommandError.commandResult is private,
// hence the structural reads and the message fallbacks.

/** Exit codes of the Pulumi CLI 3.248 (pkg/cmd/pulumi/cmd/exit_codes.go). */
export const CliExit = {
    /** `--expect-no-changes` found changes. */
    ExpectNoChangesFailed: 7,
    /** Defined, but the 3.248 CLI exits 1 after a SIGINT cancel (recorded in the lab). */
    Cancelled: 8,
} as const;

interface CommandResultShape {
    code?: unknown;
    err?: { exitCode?: unknown };
}

export function cliExitCodeOf(err: unknown): number | undefined {
    if (err === null || typeof err !== "object") {
        return undefined;
    }
    const result = (err as { commandResult?: CommandResultShape }).commandResult;
    if (typeof result?.code === "number" && result.code >= 0) {
        return result.code;
    }
    if (typeof result?.err?.exitCode === "number") {
        return result.err.exitCode;
    }
    const message = String((err as { message?: unknown }).message ?? "");
    const m = /exit code (\d+)/.exec(message) ?? /code: (\d+)/.exec(message);
    return m ? Number(m[1]) : undefined;
}
