// Reading and writing summary files. Written as deterministic JSON; read back with a shape check
// so `report` fails clearly on a foreign or older file.

import * as fs from "node:fs";
import * as path from "node:path";
import { stableStringify } from "./stableJson";
import { SUMMARY_SCHEMA_VERSION, type RunSummary } from "./summary";
import { UsageError } from "./usageError";

export function writeTextFile(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file); // a reader never sees half a file
}

export function writeSummary(file: string, summary: RunSummary): void {
    writeTextFile(file, stableStringify(summary));
}

export function readSummary(file: string): RunSummary {
    let data: unknown;
    try {
        data = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`summary ${file}: ${(err as Error).message}`);
    }
    const s = data as Partial<RunSummary> | null;
    if (
        s === null ||
        typeof s !== "object" ||
        s.schemaVersion !== SUMMARY_SCHEMA_VERSION ||
        !Array.isArray(s.regions) ||
        typeof s.command !== "string" ||
        typeof s.finishedAt !== "string" ||
        s.totals === undefined
    ) {
        throw new UsageError(
            `summary ${file}: not a pipeline summary (schemaVersion ${SUMMARY_SCHEMA_VERSION} expected)`,
        );
    }
    return s as RunSummary;
}

/** The newest summary in `<workDir>/out` by its finishedAt (file times lie after a copy). */
export function latestSummaryFile(workDir: string): string {
    const dir = path.join(workDir, "out");
    const files = fs.existsSync(dir)
        ? fs
              .readdirSync(dir)
              .filter((f) => /^summary-.*\.json$/.test(f))
              .map((f) => path.join(dir, f))
        : [];
    if (files.length === 0) {
        throw new UsageError(`no summary files in ${dir}; run a command first or pass --summary`);
    }
    const dated = files.map((f) => ({ f, at: readSummary(f).finishedAt }));
    dated.sort((a, b) => (a.at === b.at ? a.f.localeCompare(b.f) : a.at < b.at ? 1 : -1));
    return dated[0].f;
}
