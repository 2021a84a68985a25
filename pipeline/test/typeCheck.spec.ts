import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { programFiles } from "../programFiles";
import {
    checkProgram,
    formatTypeErrors,
    ProgramTypeError,
    runsProgram,
    type TypeDiagnostic,
} from "../typeCheck";
import { buildPolicyPack } from "../policyBuild";
import { checkInWorker } from "../typeCheckWorker";
import { UsageError } from "../usageError";

const REPO = path.resolve(__dirname, "..", "..");
// No `types`: the temp programs have no node_modules/@types to resolve.
const OPTIONS = { target: "es2020", module: "commonjs", lib: ["es2020"] }; // no DOM: faster
const TSCONFIG = { compilerOptions: { ...OPTIONS, strict: true } };

/** A program directory with the given files (objects are written as JSON). */
function program(files: Record<string, string | object>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-typecheck-"));
    const all = {
        "Pulumi.yaml": "name: p\nruntime: nodejs\n",
        "tsconfig.json": TSCONFIG,
        ...files,
    };
    for (const [name, body] of Object.entries(all)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        const text = typeof body === "string" ? body : JSON.stringify(body);
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

function typeErrorsOf(dir: string, env: NodeJS.ProcessEnv = {}): TypeDiagnostic[] {
    try {
        checkProgram(dir, env);
    } catch (err) {
        if (err instanceof ProgramTypeError) return [...err.diagnostics];
        throw err;
    }
    return [];
}

describe("pipeline/typeCheck", function () {
    this.timeout(60_000);
    const dirs: string[] = [];
    const prog = (files: Record<string, string | object>) => {
        const d = program(files);
        dirs.push(d);
        return d;
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    const lib = "export function port(): number {\n    return 6443;\n}\n";

    it("passes a clean program and counts its files", () => {
        const dir = prog({
            "index.ts": 'import { port } from "./lib/net";\nport();\n',
            "lib/net.ts": lib,
        });
        const checked = checkProgram(dir, {});
        assert.equal(checked.entry, "index.ts");
        assert.equal(checked.programFiles, 2);
        assert.ok(checked.files > checked.programFiles, "the default lib is loaded too");
    });

    it("fails on a type error in an imported file, naming file:line:column", () => {
        const dir = prog({
            "index.ts": 'import { port } from "./lib/net";\nport();\n',
            "lib/net.ts":
                'export function port(): number {\n    const p: number = "6443";\n    return p;\n}\n',
        });
        assert.throws(
            () => checkProgram(dir, {}),
            (err: Error) =>
                err instanceof ProgramTypeError &&
                err instanceof UsageError &&
                err.message.includes("lib/net.ts:2:11 TS2322: Type 'string' is not assignable") &&
                err.message.startsWith("the program does not type-check (1 error); no stack"),
        );
    });

    it("checks only what the entry imports, not tests or other files", () => {
        const dir = prog({
            "index.ts": 'import { port } from "./lib/net";\nport();\n',
            "lib/net.ts": lib,
            "test/net.spec.ts": 'const broken: number = "x";\n',
            "bench/unused.ts": "export const y: string = 1;\n",
        });
        assert.deepEqual(typeErrorsOf(dir), []);
    });

    it("applies the project's compiler options (strict)", () => {
        const code = { "index.ts": "export function f(x) {\n    return x;\n}\n" };
        assert.deepEqual(
            typeErrorsOf(prog(code)).map((d) => [d.file, d.line, d.code]),
            [["index.ts", 1, 7006]],
        );
        const loose = prog({
            ...code,
            "tsconfig.json": { compilerOptions: { ...OPTIONS, strict: false } },
        });
        assert.deepEqual(typeErrorsOf(loose), []);
    });

    it("checks even when tsconfig sets noCheck, which would let the runner skip it", () => {
        const dir = prog({
            "index.ts": "export const n: number = 'x';\n",
            "tsconfig.json": { compilerOptions: { ...TSCONFIG.compilerOptions, noCheck: true } },
        });
        assert.deepEqual(
            typeErrorsOf(dir).map((d) => d.code),
            [2322],
        );
    });

    it("reports an invalid tsconfig as an error", () => {
        const dir = prog({
            "index.ts": "export {};\n",
            "tsconfig.json": { compilerOptions: { ...OPTIONS, target: "es1999" } },
        });
        const errors = typeErrorsOf(dir);
        assert.equal(errors.length, 1);
        assert.equal(errors[0].file, "tsconfig.json");
        assert.match(errors[0].message, /target/);
        fs.writeFileSync(
            path.join(dir, "tsconfig.json"),
            '{ "compilerOptions": {\n  "strict": true,, } ',
        );
        assert.deepEqual(
            typeErrorsOf(dir).map((d) => [d.file, d.line, d.code]),
            [
                ["tsconfig.json", 2, 1136],
                ["tsconfig.json", 2, 1005],
            ],
        );
    });

    it("finds the entry and tsconfig as the runner and the language host do", () => {
        const dir = prog({
            "index.ts": "export {};\n",
            "src/main.ts": "export {};\n",
            "app/index.ts": "export {};\n",
            "tsconfig.pulumi.json": TSCONFIG,
            "tsconfig.env.json": TSCONFIG,
        });
        assert.deepEqual(programFiles(dir, {}), {
            entry: path.join(dir, "index.ts"),
            tsconfig: path.join(dir, "tsconfig.json"),
        });
        fs.writeFileSync(path.join(dir, "package.json"), '{ "main": "src/main.ts" }');
        assert.equal(programFiles(dir, {}).entry, path.join(dir, "src/main.ts"));
        assert.equal(
            programFiles(dir, { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.env.json" }).tsconfig,
            path.join(dir, "tsconfig.env.json"),
        );
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            "name: p\nmain: app\nruntime:\n  name: nodejs\n  options:\n    tsconfig: tsconfig.pulumi.json\n",
        );
        assert.deepEqual(programFiles(dir, { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.env.json" }), {
            entry: path.join(dir, "app/index.ts"),
            tsconfig: path.join(dir, "tsconfig.pulumi.json"),
        });
    });

    it("uses the tsconfig PULUMI_NODEJS_TSCONFIG_PATH names for the check", () => {
        const dir = prog({
            "index.ts": "export function f(x) {\n    return x;\n}\n",
            "tsconfig.json": { compilerOptions: { ...OPTIONS, strict: false } },
            "tsconfig.strict.json": TSCONFIG,
        });
        assert.deepEqual(typeErrorsOf(dir), []);
        const env = { PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.strict.json" };
        assert.deepEqual(
            typeErrorsOf(dir, env).map((d) => d.code),
            [7006],
        );
    });

    it("refuses a missing entry or a named tsconfig that is missing", () => {
        const dir = prog({ "lib.ts": "export {};\n" });
        assert.throws(() => programFiles(dir, {}), /entry .*index\.ts does not exist/);
        fs.writeFileSync(path.join(dir, "index.ts"), "export {};\n");
        assert.throws(
            () => programFiles(dir, { PULUMI_NODEJS_TSCONFIG_PATH: "nope.json" }),
            (err: Error) =>
                err instanceof UsageError && /nope\.json .*does not exist/.test(err.message),
        );
    });

    it("finds this repository's program: index.ts with tsconfig.json", () => {
        assert.deepEqual(programFiles(REPO, {}), {
            entry: path.join(REPO, "index.ts"),
            tsconfig: path.join(REPO, "tsconfig.json"),
        });
    });

    it("lists at most 20 errors and counts the rest", () => {
        const diags = Array.from({ length: 23 }, (_, i) => ({
            file: "a.ts",
            line: i + 1,
            column: 1,
            code: 2322,
            message: "m",
        }));
        const text = formatTypeErrors([{ code: 5023, message: "Unknown option" }, ...diags]);
        assert.match(text, /^the program does not type-check \(24 errors\)/);
        assert.ok(text.includes("\n  tsconfig TS5023: Unknown option\n"));
        assert.ok(text.includes("a.ts:19:1 TS2322: m"));
        assert.ok(!text.includes("a.ts:20:1"));
        assert.ok(text.endsWith("\n  … and 4 more"));
    });

    it("checks for the commands that run the program: preview and up", () => {
        assert.deepEqual((["preview", "up", "drift", "destroy"] as const).filter(runsProgram), [
            "preview",
            "up",
        ]);
    });

    it("runs in a worker thread with the same result and errors", async () => {
        const dir = prog({
            "index.ts": 'import { port } from "./net";\nport();\n',
            "net.ts": lib,
            "policy/PulumiPolicy.yaml": "runtime: nodejs\n",
            "policy/tsconfig.json": TSCONFIG,
            "policy/index.ts": 'import { port } from "../net";\nexport const p = port();\n',
        });
        const out = (name: string) => path.join(dir, "out", name);
        const inWorker = await checkInWorker(dir, {}, out("worker"));
        assert.deepEqual(inWorker.program, checkProgram(dir, {}));
        assert.deepEqual(inWorker.policyPack, {
            ...buildPolicyPack(dir, out("here")),
            packDir: path.join(out("worker"), "policy"),
        });
        assert.equal(inWorker.policyPack.files, 2, "the pack's index.js and the program's net.js");
        fs.writeFileSync(path.join(dir, "net.ts"), "export function port(): number {}\n");
        await assert.rejects(
            checkInWorker(dir, {}, out("w2")),
            (err: Error) =>
                err instanceof ProgramTypeError &&
                err.diagnostics.length === 1 &&
                err.diagnostics[0].file === "net.ts" &&
                err.diagnostics[0].code === 2355,
        );
        await assert.rejects(
            checkInWorker(dir, { PULUMI_NODEJS_TSCONFIG_PATH: "gone.json" }, out("w3")),
            (err: Error) =>
                err instanceof UsageError &&
                !(err instanceof ProgramTypeError) &&
                /gone\.json .*does not exist/.test(err.message),
        );
    });
});
