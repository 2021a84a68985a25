// Starting and stopping scripts/lab/capi-sim.ts, the lab's stand-in for what CAPI (or the machine
// boot) does, for the e2e flows and the real-engine bench.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./project";

/**
 * Starts the simulator with `args` (see its header), its output appended to `logFile`. Its stdin
 * stays open: closing it is how stopCapiSims asks it to stop.
 */
export function startCapiSim(args: readonly string[], logFile: string): ChildProcess {
    const log = fs.openSync(logFile, "a");
    return spawn(
        process.execPath,
        [
            "-r",
            "ts-node/register/transpile-only",
            path.join(REPO_ROOT, "scripts", "lab", "capi-sim.ts"),
            ...args,
        ],
        { cwd: REPO_ROOT, stdio: ["pipe", log, log] },
    );
}

/** Closes every running simulator's stdin, gives them `graceMs` to exit, then kills the rest. */
export async function stopCapiSims(
    sims: readonly (ChildProcess | undefined)[],
    graceMs = 3000,
): Promise<void> {
    const running = sims.filter((s): s is ChildProcess => s !== undefined && s.exitCode === null);
    if (running.length === 0) return;
    for (const s of running) s.stdin?.end();
    await new Promise((r) => setTimeout(r, graceMs));
    for (const s of running) if (s.exitCode === null) s.kill("SIGKILL");
}
