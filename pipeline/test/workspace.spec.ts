import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EventEmitter } from "node:events";
import { connectEngine, main, type CliDeps } from "../cli";
import { cliExitCodeOf } from "../cliExitCode";
import { UsageError } from "../usageError";
import { resolvePulumiCommand, sdkVersion } from "../workspace";
import { makeProgramDir } from "./support";

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

/**
 * A stand-in CLI that succeeds at everything (`stack export|output|history` print empty ones) and logs
 * each call's arguments and PULUMI_NODEJS_TRANSPILE_ONLY to `<root>/calls.jsonl`.
 */
function loggingCliRoot(): string {
    const root = tempDir("logging-pulumi-");
    fs.mkdirSync(path.join(root, "bin"));
    const log = JSON.stringify(path.join(root, "calls.jsonl"));
    const script = path.join(root, "bin", "pulumi");
    fs.writeFileSync(
        script,
        `#!${process.execPath}\n` +
            `const args = process.argv.slice(2);\n` +
            `require("fs").appendFileSync(${log}, JSON.stringify([args[0], process.env.PULUMI_NODEJS_TRANSPILE_ONLY]) + "\\n");\n` +
            `if (args[0] === "version") console.log("v3.248.0");\n` +
            `const stack = { export: '{"version":3,"deployment":{}}', output: "{}", history: "[]" };\n` +
            `if (args[0] === "stack" && stack[args[1]]) console.log(stack[args[1]]);\n`,
    );
    fs.chmodSync(script, 0o755);
    return root;
}

describe("pipeline/cli through the real Automation API", () => {
    after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("every CLI call of preview and up runs with PULUMI_NODEJS_TRANSPILE_ONLY=true after one check", async function () {
        this.timeout(30_000);
        const dir = makeProgramDir({ stacks: { dev: "config: {}\n", prod: "config: {}\n" } });
        made.push(dir);
        const root = loggingCliRoot();
        for (const command of ["preview", "up"]) {
            fs.rmSync(path.join(root, "calls.jsonl"), { force: true });
            const checks: string[] = [];
            const err: string[] = [];
            const deps: CliDeps = {
                env: { PULUMI_CONFIG_PASSPHRASE: "t", PULUMI_NODEJS_TRANSPILE_ONLY: "false" },
                cwd: dir,
                defaultWorkDir: dir,
                stdout: () => undefined,
                stderr: (t) => err.push(t),
                signals: new EventEmitter() as unknown as CliDeps["signals"],
                forceExit: () => assert.fail("no forced exit"),
                now: () => new Date(),
                connect: connectEngine,
                typeCheck: async (workDir, _env, policyOutDir) => {
                    checks.push(workDir);
                    return {
                        program: { entry: "index.ts", files: 1, programFiles: 1 },
                        policyPack: { packDir: path.join(policyOutDir, "policy"), files: 1 },
                    };
                },
            };
            // The SDK warns that the stand-in sent no summary event.
            const warn = console.warn;
            console.warn = () => undefined;
            let code;
            try {
                code = await main([command, "--quiet", "--pulumi-root", root], deps);
            } finally {
                console.warn = warn;
            }
            assert.equal(code, 0, err.join(""));
            assert.deepEqual(checks, [dir]);
            const calls = fs
                .readFileSync(path.join(root, "calls.jsonl"), "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as [string, string | undefined]);
            const engineRuns = calls.filter(([c]) => c === command);
            assert.equal(engineRuns.length, 2, JSON.stringify(calls));
            assert.deepEqual(
                calls.filter(([c]) => c !== "version").map(([, v]) => v),
                calls.filter(([c]) => c !== "version").map(() => "true"),
                JSON.stringify(calls),
            );
        }
    });
});
