import * as assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { main, type CliDeps, type EngineAccess } from "../cli";
import type { EngineCommand } from "../args";
import { stableStringify } from "../stableJson";
import { policyBuildParent } from "../policyBuild";
import { checkInWorker } from "../typeCheckWorker";
import type { RunSummary } from "../summary";
import { FakeStack, loadEvents, loadState, makeProgramDir } from "./support";

interface Harness {
    readonly deps: CliDeps;
    readonly out: string[];
    readonly err: string[];
    readonly opened: { stack: string; command: EngineCommand; env: Record<string, string> }[];
    readonly signals: EventEmitter;
    readonly forced: number[];
    /** "check" per type check and "open <stack>" per opened stack, in order. */
    readonly order: string[];
    /** The directory each type check was asked to compile the policy pack into. */
    readonly policyOutDirs: string[];
}

function harness(
    dir: string,
    stacks: Record<string, FakeStack>,
    env: NodeJS.ProcessEnv = { PULUMI_CONFIG_PASSPHRASE: "test" },
    connect?: CliDeps["connect"],
    typeCheck?: CliDeps["typeCheck"],
): Harness {
    const out: string[] = [];
    const err: string[] = [];
    const opened: Harness["opened"] = [];
    const signals = new EventEmitter();
    const forced: number[] = [];
    const order: string[] = [];
    const policyOutDirs: string[] = [];
    let t = Date.parse("2025-11-26T06:00:00.000Z");
    const engine: EngineAccess = {
        version: "3.248.0",
        opener: (stack, command, envVars) => async () => {
            opened.push({ stack, command, env: { ...envVars } });
            order.push(`open ${stack}`);
            const s = stacks[stack];
            if (!s) {
                throw new Error(`no fake stack ${stack}`);
            }
            return s;
        },
    };
    return {
        out,
        err,
        opened,
        signals,
        forced,
        order,
        policyOutDirs,
        deps: {
            env,
            cwd: dir,
            defaultWorkDir: dir,
            stdout: (s) => out.push(s),
            stderr: (s) => err.push(s),
            signals: signals as unknown as CliDeps["signals"],
            forceExit: (c) => forced.push(c),
            now: () => new Date((t += 1000)),
            connect: connect ?? (async () => engine),
            typeCheck: async (workDir, env, policyOutDir) => {
                order.push("check");
                policyOutDirs.push(policyOutDir);
                return typeCheck
                    ? typeCheck(workDir, env, policyOutDir)
                    : {
                          program: { entry: "index.ts", files: 1135, programFiles: 55 },
                          policyPack: { packDir: path.join(policyOutDir, "policy"), files: 17 },
                      };
            },
        },
    };
}

// The real fs module object: stacks.ts reads through it at call time.
const realFs = createRequire(__filename)("node:fs") as typeof fs;

/** Runs `fn` and returns the stack files (Pulumi.<stack>.yaml) it read, sorted, with repeats. */
async function stackFileReads(fn: () => Promise<unknown>): Promise<string[]> {
    const reads: string[] = [];
    const original = realFs.readFileSync;
    realFs.readFileSync = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
        const name = path.basename(String(file));
        if (/^Pulumi\.[^.]+\.ya?ml$/.test(name)) {
            reads.push(name);
        }
        return (original as (...a: unknown[]) => unknown)(file, ...rest);
    }) as typeof fs.readFileSync;
    try {
        await fn();
    } finally {
        realFs.readFileSync = original;
    }
    return reads.sort();
}

function readSummaryFile(file: string): RunSummary {
    const text = fs.readFileSync(file, "utf8");
    assert.equal(text, stableStringify(JSON.parse(text)), "summary JSON is deterministic");
    return JSON.parse(text) as RunSummary;
}

describe("pipeline/cli main", function () {
    this.timeout(20_000);
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const program = (stacks = ["dev", "prod"], policyConfigs?: string[]) => {
        const d = makeProgramDir({
            stacks: Object.fromEntries(stacks.map((s) => [s, "config: {}\n"])),
            policyConfigs,
        });
        dirs.push(d);
        return d;
    };

    it("preview: a mandatory violation in one region exits 3; summary and report are written", async () => {
        const dir = program();
        const h = harness(dir, {
            dev: new FakeStack({
                fixtures: { preview: loadEvents("preview-dev-changes") },
                state: loadState("state-dev-after-up"),
            }),
            prod: new FakeStack({ fixtures: { preview: loadEvents("preview-prod-mandatory") } }),
        });
        const code = await main(["preview"], h.deps);
        assert.equal(code, 3, h.err.join(""));
        const s = readSummaryFile(path.join(dir, "out", "summary-preview.json"));
        assert.equal(s.exitCode, 3);
        assert.equal(s.outcome, "policy violation");
        assert.equal(s.canary, "dev");
        assert.equal(s.backend, `file://${dir}/.pulumi-state`);
        assert.equal(s.pulumiVersion, "3.248.0");
        assert.deepEqual(
            s.regions.map((r) => [r.stack, r.result, r.cliExitCode]),
            [
                ["dev", "ok", 0],
                ["prod", "policy-violation", 1],
            ],
        );
        assert.deepEqual(s.totals.policyViolations, { mandatory: 1, advisory: 2, remediate: 0 });
        assert.equal(s.startedAt, "2025-11-26T06:00:01.000Z");
        const report = fs.readFileSync(path.join(dir, "out", "report-preview.md"), "utf8");
        assert.equal(h.out.join(""), report, "the report is printed too");
        assert.match(report, /^# cluster-fleet preview: policy violation \(exit 3\)/);
        assert.ok(
            fs.existsSync(path.join(dir, ".pulumi-state")),
            "the file backend dir is created",
        );
        assert.deepEqual(h.opened[0].env, {
            PULUMI_BACKEND_URL: `file://${dir}/.pulumi-state`,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_SKIP_CHECKPOINTS: "false",
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        });
        assert.ok(h.err.includes("[prod] preview: policy-violation (1.0 s)\n"), h.err.join(""));
    });

    it("up: each region's --parallel is the engine's default plus 2 per cluster, or --parallel", async () => {
        const clusters = (n: number) =>
            "config:\n  cluster-fleet:clusters:\n" + "    - name: c\n".repeat(n);
        const dir = makeProgramDir({ stacks: { dev: clusters(1), prod: clusters(30) } });
        dirs.push(dir);
        const fakes = () => ({
            dev: new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } }),
            prod: new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } }),
        });
        const stacks = fakes();
        assert.equal(await main(["up"], harness(dir, stacks).deps), 0);
        const base = 4 * os.availableParallelism();
        assert.equal(stacks.dev.calls[0].opts.parallel, base + 2);
        assert.equal(stacks.prod.calls[0].opts.parallel, base + 60);
        const given = fakes();
        assert.equal(await main(["up", "--parallel", "5"], harness(dir, given).deps), 0);
        assert.deepEqual(
            [given.dev.calls[0].opts.parallel, given.prod.calls[0].opts.parallel],
            [5, 5],
        );
    });

    it("up --skip-checkpoints: the engine gets PULUMI_SKIP_CHECKPOINTS and the log says what it risks", async () => {
        const dir = program();
        const fakes = {
            dev: new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } }),
            prod: new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } }),
        };
        // An inherited value does not turn it on: without the flag the driver sets "false".
        const env = { PULUMI_CONFIG_PASSPHRASE: "test", PULUMI_SKIP_CHECKPOINTS: "true" };
        const plain = harness(dir, fakes, env);
        assert.equal(await main(["up", "--quiet"], plain.deps), 0);
        assert.deepEqual(
            plain.opened.map((o) => o.env.PULUMI_SKIP_CHECKPOINTS),
            ["false", "false"],
        );
        assert.ok(!plain.err.join("").includes("--skip-checkpoints"), plain.err.join(""));
        const h = harness(dir, fakes, env);
        assert.equal(await main(["up", "--quiet", "--skip-checkpoints"], h.deps), 0);
        assert.deepEqual(
            h.opened.map((o) => o.env.PULUMI_SKIP_CHECKPOINTS),
            ["true", "true"],
        );
        assert.match(h.err.join(""), /--skip-checkpoints: .*killed or crashes/);
    });

    it("preview and up type-check the program once, before any stack, then run transpile-only", async () => {
        const dir = program();
        for (const command of ["preview", "up"] as const) {
            const fixture = loadEvents(command === "up" ? "up-dev-success" : "preview-dev-changes");
            const fakes = {
                dev: new FakeStack({ fixtures: { [command]: fixture } }),
                prod: new FakeStack({ fixtures: { [command]: fixture } }),
            };
            // An inherited "true" is no reason to skip the check; an inherited "false" no reason
            // to check in every region again.
            for (const inherited of [undefined, "true", "false"]) {
                const env = {
                    PULUMI_CONFIG_PASSPHRASE: "t",
                    PULUMI_NODEJS_TRANSPILE_ONLY: inherited,
                };
                const h = harness(dir, fakes, env);
                assert.equal(await main([command, "--quiet"], h.deps), 0, h.err.join(""));
                assert.deepEqual(h.order, ["check", "open dev", "open prod"], command);
                assert.deepEqual(
                    h.opened.map((o) => o.env.PULUMI_NODEJS_TRANSPILE_ONLY),
                    ["true", "true"],
                );
                assert.match(
                    h.err.join(""),
                    /type check: index\.ts and what it imports \(55 program files, 1135 with declarations\) and the policy pack \(compiled to 17 files\): no errors \(1\.0 s\)/,
                );
                // Every region gets the compiled pack with its own config; the copy is gone after.
                const [outDir] = h.policyOutDirs;
                assert.equal(path.dirname(outDir), policyBuildParent(dir));
                for (const stack of ["dev", "prod"]) {
                    const opts = fakes[stack as "dev"].calls.at(-1)!.opts as {
                        policyPacks: string[];
                        policyPackConfigs: string[];
                    };
                    assert.deepEqual(opts.policyPacks, [path.join(outDir, "policy")]);
                    assert.deepEqual(opts.policyPackConfigs, [
                        path.join(dir, "policy", "config", `${stack}.json`),
                    ]);
                }
                assert.equal(fs.existsSync(outDir), false, "the compiled pack is removed");
            }
        }
    });

    it("a type error stops preview and up before any stack is touched (exit 2, file:line)", async function () {
        this.timeout(120_000); // two real checks in workers
        const dir = program();
        fs.writeFileSync(
            path.join(dir, "tsconfig.json"),
            '{ "compilerOptions": { "strict": true, "lib": ["es2020"] } }',
        );
        fs.writeFileSync(
            path.join(dir, "index.ts"),
            'import { n } from "./lib";\nexport const m = n;\n',
        );
        fs.writeFileSync(
            path.join(dir, "lib.ts"),
            'export const x = 1;\nexport const n: number = "2";\n',
        );
        for (const command of ["preview", "up"]) {
            const env = { PULUMI_CONFIG_PASSPHRASE: "t", PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
            // The real check, so an error that the compiler sees cannot reach a stack.
            const h = harness(dir, {}, env, undefined, checkInWorker);
            assert.equal(await main([command], h.deps), 2, command);
            assert.deepEqual(h.order, ["check"]);
            assert.deepEqual(h.opened, []);
            const err = h.err.join("");
            assert.match(
                err,
                /^error: the program does not type-check \(1 error\); no stack was touched:/,
            );
            assert.match(
                err,
                /\n {2}lib\.ts:2:14 TS2322: Type 'string' is not assignable to type 'number'/,
            );
            assert.equal(fs.existsSync(path.join(dir, "out")), false, "no summary either");
            assert.equal(fs.existsSync(path.join(dir, ".pulumi-state")), false);
            assert.deepEqual(fs.readdirSync(policyBuildParent(dir)), [], "nothing left behind");
        }
    });

    it("a type error in the policy pack stops preview and up the same way (exit 2, file:line)", async function () {
        // Three real checks in workers: ~25 s at load 8 on 2 cores.
        this.timeout(120_000);
        const dir = program();
        const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, name), text);
        const tsconfig = '{ "compilerOptions": { "strict": true, "lib": ["es2020"] } }';
        write("tsconfig.json", tsconfig);
        write("index.ts", "export const ok = 1;\n");
        write("policy/tsconfig.json", tsconfig);
        write("policy/package.json", '{ "name": "p", "version": "0.1.0", "main": "index.ts" }');
        write("policy/index.ts", 'import { level } from "./lib";\nexport const l = level;\n');
        write("policy/lib.ts", 'export const level: "mandatory" = "advisory";\n');
        for (const command of ["preview", "up"]) {
            const env = { PULUMI_CONFIG_PASSPHRASE: "t" };
            const h = harness(dir, {}, env, undefined, checkInWorker);
            assert.equal(await main([command], h.deps), 2, command);
            assert.deepEqual(h.opened, []);
            const err = h.err.join("");
            assert.match(
                err,
                /^error: the policy pack does not type-check \(1 error\); no stack was touched:/,
            );
            assert.match(err, /\n {2}policy\/lib\.ts:1:14 TS2322: Type '"advisory"'/);
            assert.deepEqual(fs.readdirSync(policyBuildParent(dir)), [], "nothing left behind");
        }
        // Fixed, the same run compiles it: package.json's main points at the compiled entry.
        write("policy/lib.ts", 'export const level: "mandatory" = "mandatory";\n');
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-pack-"));
        dirs.push(out);
        const built = await checkInWorker(dir, {}, out);
        assert.equal(built.policyPack.packDir, path.join(out, "policy"));
        assert.equal(built.policyPack.files, 2);
        const pkg = JSON.parse(fs.readFileSync(path.join(out, "policy", "package.json"), "utf8"));
        assert.deepEqual(pkg, { name: "p", version: "0.1.0", main: "index.js" });
        assert.ok(fs.existsSync(path.join(out, "policy", "PulumiPolicy.yaml")));
        assert.match(fs.readFileSync(path.join(out, "policy", "lib.js"), "utf8"), /"mandatory"/);
    });

    it("preview and up of one region leave the checks to ts-node in that region's runs", async () => {
        const dir = program();
        for (const command of ["preview", "up"] as const) {
            const fixture = loadEvents(command === "up" ? "up-dev-success" : "preview-dev-changes");
            const fakes = { dev: new FakeStack({ fixtures: { [command]: fixture } }) };
            const env = { PULUMI_CONFIG_PASSPHRASE: "t", PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
            const h = harness(dir, fakes, env);
            const code = await main([command, "--stacks", "dev", "--quiet"], h.deps);
            assert.equal(code, 0, h.err.join(""));
            assert.deepEqual(h.order, ["open dev"], command);
            assert.deepEqual(
                h.opened.map((o) => o.env.PULUMI_NODEJS_TRANSPILE_ONLY),
                ["false"],
            );
            const opts = fakes.dev.calls.at(-1)!.opts as { policyPacks: string[] };
            assert.deepEqual(opts.policyPacks, [path.join(dir, "policy")], "the source pack");
        }
    });

    it("drift and destroy do not run the program: no check, and transpile-only stays off", async () => {
        const dir = program();
        const empty = { ...loadEvents("drift-dev-clean"), events: [] };
        const env = { PULUMI_CONFIG_PASSPHRASE: "t", PULUMI_NODEJS_TRANSPILE_ONLY: "true" };
        for (const argv of [["drift"], ["destroy", "--yes", "--allow-prod-destroy"]]) {
            const fakes = {
                dev: new FakeStack({ fixtures: { previewRefresh: empty, destroy: empty } }),
                prod: new FakeStack({ fixtures: { previewRefresh: empty, destroy: empty } }),
            };
            const h = harness(dir, fakes, env);
            assert.equal(await main([...argv, "--quiet"], h.deps), 0, h.err.join(""));
            assert.ok(!h.order.includes("check"), argv[0]);
            assert.deepEqual(
                h.opened.map((o) => o.env.PULUMI_NODEJS_TRANSPILE_ONLY),
                ["false", "false"],
            );
        }
    });

    it("drift: drift in one region exits 4", async () => {
        const dir = program();
        const h = harness(dir, {
            dev: new FakeStack({ fixtures: { previewRefresh: loadEvents("drift-dev-clean") } }),
            prod: new FakeStack({ fixtures: { previewRefresh: loadEvents("drift-prod-changed") } }),
        });
        assert.equal(await main(["drift", "--summary", "d.json", "--quiet"], h.deps), 4);
        const s = readSummaryFile(path.join(dir, "d.json"));
        assert.deepEqual(
            s.regions.map((r) => r.result),
            ["ok", "changes"],
        );
        assert.deepEqual(
            h.opened.map((o) => o.command),
            ["drift", "drift"],
        );
    });

    it("up: a failure after the canary exits 1 and skips what had not started", async () => {
        const dir = program(["dev", "prod", "lab"]);
        const h = harness(dir, {
            dev: new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } }),
            prod: new FakeStack({ fixtures: { up: loadEvents("up-prod-failure") } }),
            lab: new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } }),
        });
        const code = await main(["up", "--stacks", "dev,prod,lab", "--concurrency", "1"], h.deps);
        assert.equal(code, 1);
        const s = readSummaryFile(path.join(dir, "out", "summary-up.json"));
        assert.deepEqual(
            s.regions.map((r) => [r.stack, r.result]),
            [
                ["dev", "ok"],
                ["prod", "failed"],
                ["lab", "skipped"],
            ],
        );
        assert.deepEqual(
            h.opened.map((o) => o.stack),
            ["dev", "prod"],
        );
        assert.doesNotMatch(
            fs.readFileSync(path.join(dir, "out", "summary-up.json"), "utf8"),
            /eyJhbGci/,
        );
    });

    it("SIGINT cancels the running region, skips the rest, writes the summary and exits 130", async () => {
        const dir = program(["dev", "prod"]);
        const ref: { h?: Harness } = {};
        const dev = new FakeStack({
            fixtures: {},
            blockUntilAborted: loadEvents("up-dev-cancelled"),
            onStart: () => setImmediate(() => ref.h?.signals.emit("SIGINT")),
        });
        const h = (ref.h = harness(dir, { dev, prod: new FakeStack({ fixtures: {} }) }));
        const code = await main(["up", "--quiet"], h.deps);
        assert.equal(code, 130);
        const s = readSummaryFile(path.join(dir, "out", "summary-up.json"));
        assert.equal(s.interrupted, true);
        assert.deepEqual(
            s.regions.map((r) => [r.stack, r.result]),
            [
                ["dev", "interrupted"],
                ["prod", "skipped"],
            ],
        );
        assert.equal(s.regions[1].note, "not started: interrupted (SIGINT)");
        assert.ok(h.err.some((l) => /^Interrupted: cancelling/.test(l)));
        assert.equal(h.signals.listenerCount("SIGINT"), 0, "handlers are removed afterwards");
        assert.equal(h.signals.listenerCount("SIGTERM"), 0);
        assert.deepEqual(h.forced, []);
    });

    it("a second SIGINT forces the exit", async () => {
        const dir = program(["dev"]);
        const ref: { h?: Harness } = {};
        const dev = new FakeStack({
            fixtures: {},
            blockUntilAborted: loadEvents("up-dev-cancelled"),
            onStart: () =>
                setImmediate(() => {
                    ref.h?.signals.emit("SIGINT");
                    ref.h?.signals.emit("SIGINT");
                }),
        });
        const h = (ref.h = harness(dir, { dev }));
        await main(["up", "--quiet"], h.deps);
        assert.deepEqual(h.forced, [130]);
    });

    it("refuses to run with a usage or configuration problem (exit 2), starting nothing", async () => {
        const cases: [string[], NodeJS.ProcessEnv | undefined, string[] | undefined, RegExp][] = [
            [
                ["preview"],
                {},
                undefined,
                /PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE/,
            ],
            [
                ["preview"],
                undefined,
                ["dev"],
                /policy config missing for policy\/config\/prod\.json/,
            ],
            [["destroy"], undefined, undefined, /pass --yes to confirm/],
            [
                ["destroy", "--yes"],
                undefined,
                undefined,
                /refusing to destroy production stack\(s\) prod; pass --allow-prod-destroy/,
            ],
            [["up", "--stacks", "eu9"], undefined, undefined, /no Pulumi\.<stack>\.yaml for eu9/],
            [["up", "--bogus"], undefined, undefined, /Unknown option '--bogus'/],
        ];
        for (const [argv, env, configs, pattern] of cases) {
            const dir = program(["dev", "prod"], configs);
            const h = harness(dir, {}, env);
            assert.equal(await main(argv, h.deps), 2, argv.join(" "));
            assert.match(h.err.join(""), pattern);
            assert.match(h.err.join(""), /^error: /);
            assert.deepEqual(h.opened, []);
            assert.equal(fs.existsSync(path.join(dir, "out")), false);
        }
    });

    it("destroy with --yes --allow-prod-destroy runs in reverse order, canary last, reading each stack file once", async () => {
        const dir = program(["dev", "prod"]);
        const empty = { ...loadEvents("drift-dev-clean"), events: [] };
        const h = harness(dir, {
            dev: new FakeStack({ fixtures: { destroy: empty } }),
            prod: new FakeStack({ fixtures: { destroy: empty } }),
        });
        let code;
        // destroy needs every file three times: production check, secrets provider, --parallel.
        const reads = await stackFileReads(async () => {
            code = await main(["destroy", "--yes", "--allow-prod-destroy", "--quiet"], h.deps);
        });
        assert.equal(code, 0, h.err.join(""));
        assert.deepEqual(
            h.opened.map((o) => o.stack),
            ["prod", "dev"],
        );
        assert.deepEqual(reads, ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
    });

    it("report renders the newest summary without touching the engine", async () => {
        const dir = program(["dev"]);
        const h = harness(dir, {
            dev: new FakeStack({ fixtures: { previewRefresh: loadEvents("drift-dev-clean") } }),
        });
        assert.equal(await main(["drift", "--quiet"], h.deps), 0);
        const written = fs.readFileSync(path.join(dir, "out", "report-drift.md"), "utf8");
        const r = harness(dir, {}, undefined, async () => assert.fail("report must not connect"));
        assert.equal(await main(["report", "--report", "again.md"], r.deps), 0);
        assert.equal(r.out.join(""), written);
        assert.equal(fs.readFileSync(path.join(dir, "again.md"), "utf8"), written);

        fs.writeFileSync(path.join(dir, "bad.json"), '{"hello": 1}');
        const bad = harness(dir, {});
        assert.equal(await main(["report", "--summary", "bad.json"], bad.deps), 2);
        assert.match(bad.err.join(""), /not a pipeline summary/);
    });

    it("prints usage for --help", async () => {
        const h = harness(program(["dev"]), {});
        assert.equal(await main(["--help"], h.deps), 0);
        assert.match(h.out.join(""), /^Usage: fleet <command>/);
    });
});
