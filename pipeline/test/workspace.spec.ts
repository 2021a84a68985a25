import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cliExitCodeOf } from "../cliExitCode";
import { UsageError } from "../usageError";
import { resolvePulumiCommand, sdkVersion } from "../workspace";

/** A stand-in Pulumi CLI: `version` prints the given version, anything else exits with FAKE_EXIT. */
const made: string[] = [];

function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

function fakeCliRoot(version: string): string {
    const root = tempDir("fake-pulumi-");
    fs.mkdirSync(path.join(root, "bin"));
    const script = path.join(root, "bin", "pulumi");
    fs.writeFileSync(
        script,
        `#!${process.execPath}\n` +
            `if (process.argv[2] === "version") { console.log(${JSON.stringify(version)}); process.exit(0); }\n` +
            `process.stderr.write("error: fake failure for " + process.argv.slice(2).join(" ") + "\\n");\n` +
            `process.exit(Number(process.env.FAKE_EXIT || 1));\n`,
    );
    fs.chmodSync(script, 0o755);
    return root;
}

describe("pipeline/workspace resolvePulumiCommand", () => {
    const saved = process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK;
    before(() => delete process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK);
    after(() => {
        made.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
        if (saved !== undefined) {
            process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK = saved;
        }
    });

    it("reads the SDK version from the installed package", () => {
        assert.match(sdkVersion(), /^\d+\.\d+\.\d+/);
        assert.equal(sdkVersion(), "3.248.0");
    });

    it("accepts a CLI of exactly the SDK's version", async () => {
        const root = fakeCliRoot("v3.248.0");
        const cmd = await resolvePulumiCommand(root, "3.248.0");
        assert.equal(cmd.command, path.join(root, "bin", "pulumi"));
        assert.equal(cmd.version?.version, "3.248.0");
    });

    it("refuses a newer CLI, which the SDK alone would accept", async () => {
        const root = fakeCliRoot("v3.249.0");
        await assert.rejects(
            resolvePulumiCommand(root, "3.248.0"),
            (err: Error) =>
                err instanceof UsageError &&
                /is v3\.249\.0 but the SDK is v3\.248\.0/.test(err.message),
        );
    });

    it("refuses an older CLI", async () => {
        const root = fakeCliRoot("v3.247.0");
        await assert.rejects(
            resolvePulumiCommand(root, "3.248.0"),
            (err: Error) => err instanceof UsageError && /Minimum version/.test(err.message),
        );
    });

    it("says where it looked when the CLI is missing", async () => {
        const root = tempDir("no-pulumi-");
        await assert.rejects(
            resolvePulumiCommand(root, "3.248.0"),
            (err: Error) =>
                err instanceof UsageError &&
                err.message.includes(`${root}/bin/pulumi`) &&
                /--pulumi-root/.test(err.message),
        );
    });

    it("gets the CLI's real exit code out of the SDK's CommandError", async () => {
        const root = fakeCliRoot("v3.248.0");
        const cmd = await resolvePulumiCommand(root, "3.248.0");
        // `run` is the SDK's internal exec path every stack operation goes through.
        const run = (
            cmd as unknown as {
                run(a: string[], cwd: string, env: Record<string, string>): Promise<unknown>;
            }
        ).run.bind(cmd);
        for (const code of [7, 1, 255]) {
            const err = await run(["refresh", "--preview-only"], root, {
                FAKE_EXIT: String(code),
            }).then(
                () => assert.fail("expected a CommandError"),
                (e: unknown) => e,
            );
            assert.equal((err as Error).name, "CommandError");
            assert.equal(cliExitCodeOf(err), code);
        }
    });
});
