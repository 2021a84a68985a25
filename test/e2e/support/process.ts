// Child processes of the e2e run: bounded in time, output kept for diagnostics and the secret scan.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";

export interface RunOptions {
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    /** Written to stdin, which is then closed. */
    readonly input?: string;
    /** SIGTERM after this long, SIGKILL 30 s later. */
    readonly timeoutMs: number;
    /** stdout and stderr are appended here as well. */
    readonly logFile?: string;
    /** Own process group, so a test can kill the child with everything it started. */
    readonly detached?: boolean;
}

export interface RunResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly timedOut: boolean;
    readonly ms: number;
}

const KILL_GRACE_MS = 30_000;

export function run(cmd: string, args: readonly string[], o: RunOptions): Promise<RunResult> {
    return start(cmd, args, o).result;
}

export interface Started {
    readonly child: ChildProcess;
    readonly result: Promise<RunResult>;
}

/** Starts the child and returns at once; `result` settles when it has exited. */
export function start(cmd: string, args: readonly string[], o: RunOptions): Started {
    const started = Date.now();
    const child = spawn(cmd, args, {
        cwd: o.cwd,
        env: o.env,
        stdio: "pipe",
        detached: o.detached ?? false,
    });
    const result = new Promise<RunResult>((resolve, reject) => {
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const log = o.logFile ? fs.openSync(o.logFile, "a") : undefined;
        if (log !== undefined) {
            fs.writeSync(log, `$ ${cmd} ${args.join(" ")}\n`);
        }
        const tee = (into: Buffer[]) => (c: Buffer) => {
            into.push(c);
            if (log !== undefined) {
                fs.writeSync(log, c);
            }
        };
        child.stdout.on("data", tee(out));
        child.stderr.on("data", tee(err));
        let timedOut = false;
        let killer: NodeJS.Timeout | undefined;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            killer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        }, o.timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            if (killer) clearTimeout(killer);
            if (log !== undefined) {
                fs.writeSync(log, `# exit ${code ?? signal} after ${Date.now() - started} ms\n`);
                fs.closeSync(log);
            }
            resolve({
                code,
                signal,
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
                timedOut,
                ms: Date.now() - started,
            });
        });
        child.stdin.end(o.input ?? "");
    });
    return { child, result };
}

/** The last lines of a run's output, for assertion messages. */
export function tail(r: RunResult, lines = 40): string {
    return `${r.stdout}\n${r.stderr}`.trimEnd().split("\n").slice(-lines).join("\n");
}
