// The e2e flows' figures: shown after the run and appended to LAB_HOME/logs/timings.log, where the
// lab scripts' own timings go (scripts/lab/lib.sh lab_time_end).
import * as fs from "node:fs";
import * as path from "node:path";

/** Prints `lines` under `heading` and appends them, tagged `tag`, to the lab's timings.log. */
export function reportTimings(
    labHome: string,
    tag: string,
    heading: string,
    lines: string[],
): void {
    if (lines.length === 0) return;
    process.stderr.write(`\n      ${heading}:\n`);
    for (const l of lines) process.stderr.write(`        ${l}\n`);
    const log = path.join(labHome, "logs", "timings.log");
    fs.mkdirSync(path.dirname(log), { recursive: true });
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    fs.appendFileSync(log, lines.map((l) => `${now}\t${tag} ${l}\n`).join(""));
}
