import * as assert from "node:assert/strict";
import { cliExitCodeOf } from "../cliExitCode";
import { digestEvents } from "../events";
import {
    buildRunSummary,
    classifyRegion,
    computeTotals,
    errorSummary,
    skippedRegion,
    type RegionSummary,
} from "../summary";
import { commandError, loadEvents } from "./support";

function outcome(fixture: string, over: Partial<Parameters<typeof classifyRegion>[0]> = {}) {
    const f = loadEvents(fixture);
    return {
        command: f.command as "preview" | "up" | "drift" | "destroy",
        expectNoChanges: false,
        digest: digestEvents(f.events),
        error: f.cliExitCode === 0 ? undefined : commandError(f.cliExitCode, f.stderr ?? ""),
        aborted: false,
        ...over,
    };
}

describe("pipeline/cliExitCode", () => {
    it("recovers the CLI's code from the SDK's -2 wrapper", () => {
        const err = commandError(7, "error: no changes were expected\n", "refresh --preview-only");
        assert.equal(err.name, "CommandError");
        assert.match(err.message, /^code: -2/);
        assert.equal(cliExitCodeOf(err), 7);
    });

    it("falls back to the message text", () => {
        assert.equal(cliExitCodeOf(new Error("code: 3\n stdout: \n stderr: x")), 3);
        assert.equal(cliExitCodeOf(new Error("Command failed with exit code 255: pulumi up")), 255);
        assert.equal(cliExitCodeOf(new Error("no code here")), undefined);
        assert.equal(cliExitCodeOf("string"), undefined);
    });
});

describe("pipeline/summary classifyRegion", () => {
    it("a clean drift run is ok; exit 7 from the drift check is 'changes'", () => {
        assert.equal(classifyRegion(outcome("drift-dev-clean")).result, "ok");
        const c = classifyRegion(outcome("drift-prod-changed"));
        assert.equal(c.result, "changes");
        assert.equal(c.cliExitCode, 7);
        assert.deepEqual(c.extraErrors, []);
    });

    it("a mandatory policy violation with CLI exit 1 is 'policy-violation'", () => {
        const c = classifyRegion(outcome("preview-prod-mandatory"));
        assert.equal(c.result, "policy-violation");
        assert.equal(c.cliExitCode, 1);
    });

    it("a cancelEvent alone is no interruption: the engine sends one at the end of every run", () => {
        // Seen on the real 3.248 engine (lab e2e): a preview failed by a mandatory policy ends
        // with a cancelEvent and CLI exit 1; only SIGINT (aborted) or exit 8 mean interrupted.
        const o = outcome("preview-prod-mandatory");
        const c = classifyRegion({ ...o, digest: { ...o.digest, cancelled: true } });
        assert.equal(c.result, "policy-violation");
        const plain = outcome("up-dev-success", { error: commandError(1, "error: boom\n") });
        const failed = classifyRegion({ ...plain, digest: { ...plain.digest, cancelled: true } });
        assert.equal(failed.result, "failed");
    });

    it("a failed resource operation is 'failed' even with a mandatory finding", () => {
        const o = outcome("up-prod-failure");
        assert.equal(classifyRegion(o).result, "failed");
        const withPolicy = {
            ...o,
            digest: {
                ...o.digest,
                policyViolations: digestEvents(loadEvents("preview-prod-mandatory").events)
                    .policyViolations,
            },
        };
        assert.equal(classifyRegion(withPolicy).result, "failed");
    });

    it("preview changes count only with --expect-no-changes", () => {
        assert.equal(classifyRegion(outcome("preview-dev-changes")).result, "ok");
        assert.equal(
            classifyRegion(outcome("preview-dev-changes", { expectNoChanges: true })).result,
            "changes",
        );
        const exit7 = { error: commandError(7, "error: changes were proposed") };
        assert.equal(
            classifyRegion(outcome("preview-dev-changes", { expectNoChanges: true, ...exit7 }))
                .result,
            "changes",
        );
        // Exit 7 without an expectation is not ours to reinterpret.
        assert.equal(classifyRegion(outcome("preview-dev-changes", exit7)).result, "failed");
    });

    it("SIGINT makes a failing run 'interrupted'", () => {
        // The real 3.248 CLI exits 1 (not ExitCancelled, 8) after a SIGINT cancel, with a
        // "context canceled" error: only the abort signal tells an interruption from a failure.
        const cancelled = outcome("up-dev-cancelled", { aborted: true });
        assert.equal(classifyRegion(cancelled).result, "interrupted");
        assert.equal(classifyRegion(cancelled).cliExitCode, 1);
        assert.equal(classifyRegion(outcome("up-dev-cancelled")).result, "failed");
        const o = outcome("up-prod-failure", { aborted: true });
        assert.equal(classifyRegion(o).result, "failed", "a resource failure still wins");
        const noEvents = { ...outcome("up-dev-success"), digest: digestEvents([]) };
        assert.equal(
            classifyRegion({ ...noEvents, aborted: true, error: new Error("x") }).result,
            "interrupted",
        );
    });

    it("explains a failure without error diagnostics from the CLI's error lines", () => {
        const o = {
            ...outcome("up-dev-success"),
            digest: digestEvents([]),
            error: commandError(
                255,
                "error: failed to decrypt encrypted configuration value 'argocdToken': incorrect passphrase\n" +
                    "some other line",
                "up",
            ),
        };
        const c = classifyRegion(o);
        assert.equal(c.result, "failed");
        assert.equal(c.cliExitCode, 255);
        assert.deepEqual(c.extraErrors, [
            {
                message:
                    "error: failed to decrypt encrypted configuration value 'argocdToken': incorrect passphrase",
            },
        ]);
    });
});

describe("pipeline/summary errorSummary", () => {
    it("names lock conflicts and missing stacks plainly", () => {
        const locked = Object.assign(new Error("code: -2 ... the stack is currently locked by"), {
            name: "ConcurrentUpdateError",
        });
        assert.match(errorSummary(locked), /locked by another update/);
        const missing = Object.assign(new Error("no stack named 'x' found"), {
            name: "StackNotFoundError",
        });
        assert.match(errorSummary(missing), /does not exist/);
    });

    it("redacts what it quotes", () => {
        assert.equal(
            errorSummary(new Error("connect failed\nAuthorization: Bearer abc.def.ghi")),
            "connect failed\nAuthorization: Bearer [redacted]",
        );
    });
});

describe("pipeline/summary run summary", () => {
    const region = (stack: string, over: Partial<RegionSummary>): RegionSummary => ({
        ...skippedRegion(stack, "up", ""),
        note: undefined,
        ...over,
    });

    it("totals changes, findings, errors and results", () => {
        const regions = [
            region("dev", {
                result: "ok",
                changes: { create: 2, update: 1, delete: 0, replace: 0, same: 5 },
            }),
            region("prod", {
                result: "policy-violation",
                changes: { create: 0, update: 1, delete: 1, replace: 1, same: 3 },
                policyViolations: digestEvents(loadEvents("preview-prod-mandatory").events)
                    .policyViolations,
                errors: [{ message: "x" }],
            }),
            skippedRegion("lab", "up", "not started"),
        ];
        const t = computeTotals(regions);
        assert.deepEqual(t.changes, { create: 2, update: 2, delete: 1, replace: 1, same: 8 });
        assert.deepEqual(t.policyViolations, { mandatory: 1, advisory: 1, remediate: 0 });
        assert.equal(t.errors, 1);
        assert.equal(t.results.ok, 1);
        assert.equal(t.results["policy-violation"], 1);
        assert.equal(t.results.skipped, 1);

        const s = buildRunSummary({
            command: "up",
            startedAt: new Date("2025-11-26T06:00:00.000Z"),
            finishedAt: new Date("2025-11-26T06:01:30.500Z"),
            interrupted: false,
            canary: "dev",
            concurrency: 2,
            backend: "file:///state",
            pulumiVersion: "3.248.0",
            regions,
        });
        assert.equal(s.exitCode, 3);
        assert.equal(s.outcome, "policy violation");
        assert.equal(s.durationMs, 90_500);
        assert.deepEqual(s.stacks, ["dev", "prod", "lab"]);
        assert.equal(s.schemaVersion, 1);
    });
});
