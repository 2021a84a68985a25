// The @pulumi/pulumi patch (patches/): in effect in this checkout's node_modules, and the applier
// is exact (checksums before and after), idempotent and refuses what it does not know.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../support/regionFixtures";

interface PatchLib {
    run(root: string, opts?: { apply?: boolean }): string[];
    stockText(pkg: string, file: string, root?: string): string;
    sha256(text: string): string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const patches = require("../../patches/apply.cjs") as PatchLib;
const FILE = "runtime/debuggable.js";
const manifest = JSON.parse(
    fs.readFileSync(path.join(REPO_ROOT, "patches/patches.json"), "utf8"),
) as { version: string; files: Record<string, { stock: string; patched: string }> }[];
const sums = manifest[0].files[FILE];

/** Runs a debuggablePromise in a fresh node (the flag is read at load) and returns its stack field. */
function stackOfDebuggablePromise(env: Record<string, string | undefined>): string {
    const script =
        `const d = require("@pulumi/pulumi/runtime/debuggable");` +
        `const p = Promise.resolve(1);` +
        `d.debuggablePromise(p, "ctx").then(() => ` +
        `process.stdout.write(JSON.stringify({ stack: p._debugStackTrace ?? null })));`;
    const env2 = { ...process.env, ...env };
    if (env.PULUMI_DEBUG_PROMISE_LEAKS === undefined) delete env2.PULUMI_DEBUG_PROMISE_LEAKS;
    const r = spawnSync(process.execPath, ["-e", script], {
        cwd: REPO_ROOT,
        env: env2,
        encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).stack as string;
}

/**
 * A fake checkout: node_modules/@pulumi/pulumi with the given debuggable.js and version, and the
 * stock text of every other file the patch changes.
 */
function fakeRoot(text: string, version = manifest[0].version): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-patch-"));
    const dir = path.join(root, "node_modules/@pulumi/pulumi");
    mkdirFor(dir, "package.json");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ version }));
    for (const file of Object.keys(manifest[0].files)) {
        mkdirFor(dir, file);
        fs.writeFileSync(
            path.join(dir, file),
            file === FILE ? text : patches.stockText("@pulumi/pulumi", file),
        );
    }
    return root;
}

function mkdirFor(dir: string, file: string): void {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
}

/**
 * Serializes a function in a fresh node (as a dynamic provider does), then reports whether the
 * SDK's inspector session still has the Debugger domain on and which script URLs it resolves.
 */
function afterSerialization(): { debuggerOn: boolean; laterScript: string; earlierScript: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sdk-hooks-"));
    fs.writeFileSync(path.join(dir, "early.js"), "module.exports = () => 1;");
    fs.writeFileSync(path.join(dir, "late.js"), "module.exports = () => 2;");
    const script = `
        const early = require(${JSON.stringify(path.join(dir, "early.js"))});
        const hooks = require("@pulumi/pulumi/runtime/closure/v8Hooks");
        const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
        const v8 = require("@pulumi/pulumi/runtime/closure/v8");
        (async () => {
            await sc.serializeFunction(() => 42);
            const late = require(${JSON.stringify(path.join(dir, "late.js"))});
            const s = await hooks.getSessionAsync();
            const debuggerOn = await new Promise((r) =>
                s.post("Debugger.setPauseOnExceptions", { state: "none" }, (err) => r(!err)));
            const laterScript = (await v8.getFunctionLocationAsync(late)).file;
            const earlierScript = (await v8.getFunctionLocationAsync(early)).file;
            process.stdout.write(JSON.stringify({ debuggerOn, laterScript, earlierScript }));
        })();`;
    const r = spawnSync(process.execPath, ["-e", script], { cwd: REPO_ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as ReturnType<typeof afterSerialization>;
}

describe("SDK patch (patches/)", () => {
    const stock = patches.stockText("@pulumi/pulumi", FILE);
    const debuggableIn = (root: string) =>
        fs.readFileSync(path.join(root, "node_modules/@pulumi/pulumi", FILE), "utf8");

    it("is in effect in node_modules (npm ci runs it as postinstall)", () => {
        const r = spawnSync(process.execPath, ["patches/apply.cjs", "--check"], {
            cwd: REPO_ROOT,
            encoding: "utf8",
        });
        assert.equal(
            r.status,
            0,
            `patch not in effect, run npm ci (or npm run postinstall): ${r.stderr}`,
        );
        for (const [file, { patched }] of Object.entries(manifest[0].files)) {
            const installed = fs.readFileSync(require.resolve(`@pulumi/pulumi/${file}`), "utf8");
            assert.equal(patches.sha256(installed), patched, file);
        }
    });

    it("stores no promise stack normally and keeps it with PULUMI_DEBUG_PROMISE_LEAKS", () => {
        assert.equal(stackOfDebuggablePromise({ PULUMI_DEBUG_PROMISE_LEAKS: undefined }), null);
        assert.match(stackOfDebuggablePromise({ PULUMI_DEBUG_PROMISE_LEAKS: "1" }), /\n\s+at /);
    });

    it("leaves the Debugger domain off after serializing a closure, still mapping new scripts", () => {
        const r = afterSerialization();
        assert.equal(r.debuggerOn, false, "the Debugger domain must be off after serialization");
        assert.match(r.laterScript, /^file:\/\/.*\/late\.js$/);
        // As stock: scripts loaded before the session was created are not mapped.
        assert.equal(r.earlierScript, "");
    });

    it("patches the stock file exactly once and leaves a patched one alone", () => {
        assert.equal(patches.sha256(stock), sums.stock);
        const root = fakeRoot(stock);
        assert.deepEqual(
            patches.run(root, { apply: false }).length,
            Object.keys(manifest[0].files).length,
            "check must fail on every stock file",
        );
        assert.deepEqual(patches.run(root), []);
        assert.equal(patches.sha256(debuggableIn(root)), sums.patched);
        assert.deepEqual(patches.run(root), []);
        assert.equal(patches.sha256(debuggableIn(root)), sums.patched);
        assert.deepEqual(patches.run(root, { apply: false }), []);
        assert.equal(patches.stockText("@pulumi/pulumi", FILE, root), stock);
    });

    it("refuses another SDK version or a file it does not know", () => {
        const other = fakeRoot(stock, "3.249.0");
        assert.match(patches.run(other).join("\n"), /is 3\.249\.0 but .* is for 3\.248\.0/);
        assert.equal(debuggableIn(other), stock);
        const edited = fakeRoot(stock.replace("promiseId++;", "promiseId += 1;"));
        assert.match(patches.run(edited).join("\n"), /unknown content/);
        assert.match(debuggableIn(edited), /promiseId \+= 1;/);
    });
});

type Probe = () => void;
type Frames = { file?: string; line?: number; column?: number }[];
interface Comparison {
    probes: number;
    distinct: number;
    lastPass: { probes: number; hits: number };
    mismatches: unknown[];
}
interface CallsiteStacks {
    compareStacks(opts?: { extra?: ((probe: Probe) => unknown)[] }): Promise<Comparison>;
    resourceClasses(): Record<"stock" | "patched", { callsites(): Frames }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stacks = require("../support/callsiteStacks.cjs") as CallsiteStacks;

/** TypeScript under ts-node: source-map-support maps these frames (and names them). */
class TsComponent {
    constructor(probe: Probe) {
        this.create(probe);
    }
    private create(probe: Probe): void {
        probe();
    }
}

/** Runs test/support/callsiteStacks.cjs in a node without NODE_OPTIONS (no ts-node). */
function stacksInPlainNode(nodeArgs: string[], args: string[] = []) {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const r = spawnSync(
        process.execPath,
        [...nodeArgs, "test/support/callsiteStacks.cjs", ...args],
        { cwd: REPO_ROOT, env, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as Comparison & { sourceMapSupport: boolean };
}

/** V8's own format (a formatter that is cheap and not Node's, whose source maps may be on). */
const plainFormat = (e: Error, sites: NodeJS.CallSite[]) =>
    `${e}\n    at ${sites.join("\n    at ")}`;

/** `n` call sites of R.callsites(): scripts that differ in the line of their call. */
function callsiteScripts(n: number) {
    const script = (i: number) => new Function("R", `${"\n".repeat(i)}return R.callsites();`);
    return Array.from({ length: n }, (_, i) => script(i) as (R: unknown) => Frames);
}

/** Calls `fn` with Error.prepareStackTrace counting its calls; returns the count. */
function countingFormats(format: NonNullable<typeof Error.prepareStackTrace>, fn: () => void) {
    const saved = Error.prepareStackTrace;
    let formats = 0;
    Error.prepareStackTrace = (error, sites) => (formats++, format(error, sites));
    try {
        fn();
    } finally {
        Error.prepareStackTrace = saved;
    }
    return formats;
}

describe("SDK patch: the cache of Resource.callsites()", () => {
    it("gives the stock frames under ts-node, cached or not", async () => {
        const before = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
        const r = await stacks.compareStacks({
            extra: [
                function typeScript(probe: Probe) {
                    new TsComponent(probe);
                    return [0].map(() => new TsComponent(probe));
                },
            ],
        });
        assert.deepEqual(r.mismatches, []);
        assert.ok(r.distinct >= 25, `only ${r.distinct} different stacks`);
        assert.deepEqual(r.lastPass.hits, r.lastPass.probes, "the second pass must hit the cache");
        assert.deepEqual(Object.getOwnPropertyDescriptor(Error, "prepareStackTrace"), before);
    });

    it("gives the stock frames in a plain node, and with Node's source maps turned off midway", () => {
        const plain = stacksInPlainNode([]);
        assert.equal(plain.sourceMapSupport, false);
        assert.deepEqual(plain.mismatches, []);
        assert.equal(plain.lastPass.hits, plain.lastPass.probes);
        const maps = stacksInPlainNode(["--enable-source-maps"], ["--maps-off-midway"]);
        assert.deepEqual(maps.mismatches, []);
        assert.equal(maps.lastPass.hits, maps.lastPass.probes);
    });

    it("formats a repeated stack once and hands out copies of the cached frames", () => {
        const { patched } = stacks.resourceClasses();
        const seen: Frames[] = [];
        const formats = countingFormats(Error.prepareStackTrace!, () => {
            for (let i = 0; i < 3; i++) {
                const frames = patched.callsites();
                seen.push(structuredClone(frames));
                frames[1].line = -1; // the caller's to change
                frames.pop();
            }
        });
        assert.equal(formats, 1, "the SDK patch's stack cache is not in effect");
        assert.deepEqual(seen[1], seen[0]);
        assert.deepEqual(seen[2], seen[0]);
    });

    it("starts over past 2,000 stacks", async () => {
        const { patched } = stacks.resourceClasses();
        const at = callsiteScripts(2001);
        const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
        // From setImmediate: shallow stacks, far from the bound on characters.
        const formatsOf = (sites: number[]) =>
            new Promise((resolve) =>
                setImmediate(() =>
                    resolve(
                        countingFormats(plainFormat, () => sites.forEach((i) => at[i](patched))),
                    ),
                ),
            );
        assert.equal(await formatsOf([...upTo(2000), 0]), 2000); // 2,000 fit
        assert.equal(await formatsOf([...upTo(2001), 0]), 2002); // the 2,001st empties it
    });

    it("caches no more than 32,768 frames", () => {
        const { patched } = stacks.resourceClasses();
        const leaves = callsiteScripts(20);
        const deep = (n: number, leaf: (r: unknown) => Frames): Frames =>
            n === 0 ? leaf(patched) : deep(n - 1, leaf);
        // All from one expression: the stacks differ in their last frame only.
        const run = (leafs: number[]) => leafs.map((i) => deep(4000, leaves[i]).length);
        let frames = 0;
        countingFormats(plainFormat, () => ([frames] = run([0]))); // ~4,000 frames each
        const fit = Math.floor(32768 / frames);
        assert.ok(fit >= 5 && fit < 19, `${fit} stacks fit`);
        // Another session, another cache: all fit (0 again is cached); one more starts it over.
        const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
        const formats = countingFormats(plainFormat, () => run([...upTo(fit), 0, fit, 0]));
        assert.equal(formats, fit + 2);
    });
});
