import * as assert from "node:assert/strict";
import { parsePipelineArgs, type RunArgs } from "../args";
import { UsageError } from "../usageError";

const REPO = "/repo";
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    parsePipelineArgs(argv, env, "/cwd", REPO);
const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => parse(argv, env) as RunArgs;

function usage(argv: string[], pattern: RegExp): void {
    assert.throws(
        () => parse(argv),
        (err: Error) => err instanceof UsageError && pattern.test(err.message),
    );
}

describe("pipeline/args", () => {
    it("fills defaults for an engine command", () => {
        assert.deepEqual(run(["up"]), {
            command: "up",
            workDir: REPO,
            stacks: undefined,
            canary: undefined,
            concurrency: 2,
            parallel: undefined,
            summaryPath: "/repo/out/summary-up.json",
            reportPath: "/repo/out/report-up.md",
            backendUrl: undefined,
            pulumiRoot: undefined,
            expectNoChanges: false,
            yes: false,
            allowProdDestroy: false,
            skipCheckpoints: false,
            quiet: false,
        });
    });

    it("takes stacks comma-separated or repeated, in order", () => {
        assert.deepEqual(run(["preview", "--stacks", "prod,dev", "--stacks", "lab"]).stacks, [
            "prod",
            "dev",
            "lab",
        ]);
        assert.deepEqual(run(["preview", "--stacks", " dev , prod "]).stacks, ["dev", "prod"]);
    });

    it("resolves paths against the cwd and the CLI root from PULUMI_ROOT", () => {
        const a = run(
            ["drift", "--summary", "s.json", "--report", "/abs/r.md", "--work-dir", "prog"],
            { PULUMI_ROOT: "tools/pulumi" },
        );
        assert.equal(a.summaryPath, "/cwd/s.json");
        assert.equal(a.reportPath, "/abs/r.md");
        assert.equal(a.workDir, "/cwd/prog");
        assert.equal(a.pulumiRoot, "/cwd/tools/pulumi");
        assert.equal(
            run(["up", "--pulumi-root", "/opt/p"], { PULUMI_ROOT: "/x" }).pulumiRoot,
            "/opt/p",
        );
    });

    it("reads flags", () => {
        const a = run([
            "destroy",
            "--yes",
            "--allow-prod-destroy",
            "--concurrency",
            "3",
            "--backend",
            "file:///state",
            "--quiet",
            "--stacks",
            "dev,prod",
            "--canary",
            "prod",
        ]);
        assert.equal(a.yes, true);
        assert.equal(a.allowProdDestroy, true);
        assert.equal(a.concurrency, 3);
        assert.equal(a.backendUrl, "file:///state");
        assert.equal(a.quiet, true);
        assert.equal(a.canary, "prod");
        assert.equal(run(["preview", "--expect-no-changes"]).expectNoChanges, true);
        assert.equal(run(["up", "--parallel", "40"]).parallel, 40);
        assert.equal(run(["destroy", "--yes", "--parallel", "1"]).parallel, 1);
        assert.equal(run(["up", "--skip-checkpoints"]).skipCheckpoints, true);
        assert.equal(run(["destroy", "--yes", "--skip-checkpoints"]).skipCheckpoints, true);
    });

    it("parses report and help", () => {
        assert.deepEqual(parse(["report", "--summary", "a.json", "--summary", "/b.json"]), {
            command: "report",
            workDir: REPO,
            summaryPaths: ["/cwd/a.json", "/b.json"],
            reportPath: undefined,
        });
        assert.deepEqual(parse(["--help"]), { command: "help" });
        assert.deepEqual(parse(["up", "-h"]), { command: "help" });
    });

    it("rejects bad input with the field and a fix", () => {
        usage([], /missing command: one of preview, up, drift, destroy, report/);
        usage(["deploy"], /unknown command "deploy"/);
        usage(["up", "prod"], /expected one command/);
        usage(["up", "--stack", "dev"], /Unknown option '--stack'/);
        usage(["up", "--concurrency", "0"], /--concurrency: "0" is not a positive integer/);
        usage(["up", "--concurrency", "2x"], /--concurrency/);
        usage(
            ["up", "--parallel", "0"],
            /--parallel: "0" is not a positive integer, e.g. --parallel 2/,
        );
        usage(["report", "--parallel", "4"], /--parallel does not apply to "report"/);
        usage(["up", "--stacks", "../etc"], /--stacks: "\.\.\/etc" is not a valid stack name/);
        usage(["up", "--stacks", "org/proj/dev"], /not a valid stack name/);
        usage(["up", "--stacks", ","], /give at least one stack/);
        usage(["up", "--stacks", "dev,dev"], /"dev" is listed twice/);
        usage(
            ["up", "--stacks", "dev", "--canary", "prod"],
            /--canary: "prod" is not one of --stacks dev/,
        );
        usage(["up", "--expect-no-changes"], /--expect-no-changes does not apply to "up"/);
        usage(["preview", "--yes"], /--yes does not apply to "preview"/);
        // preview and drift write no checkpoint: the flag would only mislead there.
        usage(["preview", "--skip-checkpoints"], /--skip-checkpoints does not apply to "preview"/);
        usage(["drift", "--skip-checkpoints"], /--skip-checkpoints does not apply to "drift"/);
        usage(["report", "--stacks", "dev"], /--stacks does not apply to "report"/);
        usage(["up", "--summary", "a", "--summary", "b"], /--summary: give one file/);
    });
});
