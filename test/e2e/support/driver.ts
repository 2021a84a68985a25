// One pipeline-driver run of the e2e (pipeline/cli.ts on the lab engine): bounded in time, its
// summary (JSON) and report (Markdown) written to the run's out/ directory, output to logs/.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunSummary } from "../../../pipeline/summary";
import { run, RunResult, tail } from "./process";
import { LabProject, REPO_ROOT } from "./project";

export interface DriverRun {
    readonly result: RunResult;
    readonly summary: RunSummary;
    /** File name stem of the summary, report and log: NN-command-stack. */
    readonly base: string;
}

export async function runDriver(
    p: LabProject,
    labHome: string,
    step: number,
    command: string,
    stack: string,
    extra: readonly string[] = [],
    timeoutMs = 15 * 60_000,
): Promise<DriverRun> {
    const base = `${String(step).padStart(2, "0")}-${command}-${stack}`;
    const summaryPath = path.join(p.outDir, `${base}.json`);
    const result = await run(
        process.execPath,
        driverArgv(p, labHome, base, command, stack, extra),
        { cwd: REPO_ROOT, env: p.env, timeoutMs, logFile: path.join(p.logDir, `${base}.log`) },
    );
    assert.equal(result.timedOut, false, `${command} ${stack} timed out:\n${tail(result)}`);
    assert.ok(fs.existsSync(summaryPath), `${command} ${stack} wrote no summary:\n${tail(result)}`);
    const summary = JSON.parse(fs.readFileSync(summaryPath, "utf8")) as RunSummary;
    return { result, summary, base };
}

/** node argv of one driver run; its summary and report go to out/<base>.{json,md}. */
export function driverArgv(
    p: LabProject,
    labHome: string,
    base: string,
    command: string,
    stack: string,
    extra: readonly string[] = [],
): string[] {
    return [
        "-r",
        "ts-node/register/transpile-only",
        path.join(REPO_ROOT, "pipeline", "cli.ts"),
        command,
        "--stacks",
        stack,
        "--work-dir",
        p.workDir,
        "--pulumi-root",
        labHome,
        "--summary",
        path.join(p.outDir, `${base}.json`),
        "--report",
        path.join(p.outDir, `${base}.md`),
        ...extra,
    ];
}
