// Runs the type checks (typeCheck.ts, policyBuild.ts) in a worker thread. The compiler grows the heap to ~400 MiB,
// and V8 keeps those pages once grown: after an in-process check the driver held 393 MiB RSS for
// the rest of the run (idle, no collection came); after the worker exits it holds ~80 MiB.

import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { BuiltPolicyPack } from "./policyBuild";
import { ProgramTypeError, type CheckedProgram, type TypeDiagnostic } from "./typeCheck";
import { UsageError } from "./usageError";

/** The program checked, and the policy pack checked and compiled. */
export interface CheckedRun {
    readonly program: CheckedProgram;
    readonly policyPack: BuiltPolicyPack;
}

type Reply =
    | { readonly checked: CheckedRun }
    | { readonly diagnostics: TypeDiagnostic[]; readonly what: string }
    | { readonly usage: string };

// Plain JS: the worker does not inherit the driver's ts-node hook from mocha or `-r`.
const SCRIPT = `
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.module.endsWith(".ts")) {
    require("ts-node").register({ transpileOnly: true, projectSearchDir: workerData.dir });
}
const { checkProgram, ProgramTypeError } = require(workerData.module);
const { buildPolicyPack } = require(workerData.policyModule);
const { UsageError } = require(workerData.usageModule);
try {
    const program = checkProgram(workerData.workDir, workerData.env);
    const policyPack = buildPolicyPack(workerData.workDir, workerData.policyOutDir);
    parentPort.postMessage({ checked: { program, policyPack } });
} catch (err) {
    if (err instanceof ProgramTypeError) {
        parentPort.postMessage({ diagnostics: err.diagnostics, what: err.what });
    } else if (err instanceof UsageError) {
        parentPort.postMessage({ usage: err.message });
    }
    else throw err;
}
`;

/**
 * checkProgram, then buildPolicyPack into `policyOutDir`, in a worker thread: their results, or
 * the same ProgramTypeError/UsageError.
 */
export function checkInWorker(
    workDir: string,
    env: NodeJS.ProcessEnv,
    policyOutDir: string,
): Promise<CheckedRun> {
    const ext = path.extname(__filename);
    const workerData = {
        module: path.join(__dirname, `typeCheck${ext}`),
        policyModule: path.join(__dirname, `policyBuild${ext}`),
        policyOutDir,
        usageModule: path.join(__dirname, `usageError${ext}`),
        dir: __dirname,
        workDir,
        env: { ...env },
    };
    return new Promise((resolve, reject) => {
        let reply: Reply | undefined;
        const worker = new Worker(SCRIPT, { eval: true, execArgv: [], workerData });
        worker.on("message", (m: Reply) => (reply = m));
        worker.on("error", reject);
        worker.on("exit", (code) => {
            if (!reply) {
                reject(new Error(`the type check's worker exited with code ${code} and no result`));
            } else if ("checked" in reply) {
                resolve(reply.checked);
            } else if ("diagnostics" in reply) {
                reject(new ProgramTypeError(reply.diagnostics, reply.what));
            } else {
                reject(new UsageError(reply.usage));
            }
        });
    });
}
