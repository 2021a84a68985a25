// The plaintext-secret scan of the lab e2e: every file a run leaves (state and its backups,
// summaries, reports, logs, the lab's own logs) and the test runner's own output, searched for
// every secret value of the run. Compressed files are read decompressed (gzip, zip); a binary
// file it cannot read is an error, never a silent skip. Findings name the secret and the file,
// never the value.
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";

/** Every file under dir, recursively (a missing dir has none). */
export function filesUnder(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? filesUnder(p) : e.isFile() ? [p] : [];
    });
}

/** One readable text of a file, or of one member of an archive. */
export interface ScannedText {
    /** The file, plus `!member` for an archive member. */
    readonly where: string;
    readonly text: string;
    readonly decompressed: boolean;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZIP_LOCAL = 0x04034b50;
const ZIP_CENTRAL = 0x02014b50;
const ZIP_END = 0x06054b50;

function startsWith(buf: Buffer, bytes: readonly number[]): boolean {
    return bytes.every((b, i) => buf[i] === b);
}

/** Members of a zip archive (stored or deflated), read through its central directory. */
export function unzipMembers(buf: Buffer): { name: string; data: Buffer }[] {
    let end = -1;
    for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
        if (buf.readUInt32LE(i) === ZIP_END) {
            end = i;
            break;
        }
    }
    if (end < 0) {
        throw new Error("zip: no end of central directory");
    }
    const count = buf.readUInt16LE(end + 10);
    let p = buf.readUInt32LE(end + 16);
    const out: { name: string; data: Buffer }[] = [];
    for (let n = 0; n < count; n++) {
        if (buf.readUInt32LE(p) !== ZIP_CENTRAL) {
            throw new Error("zip: bad central directory entry");
        }
        const method = buf.readUInt16LE(p + 10);
        const size = buf.readUInt32LE(p + 20);
        const nameLen = buf.readUInt16LE(p + 28);
        const extraLen = buf.readUInt16LE(p + 30);
        const commentLen = buf.readUInt16LE(p + 32);
        const local = buf.readUInt32LE(p + 42);
        const name = buf.subarray(p + 46, p + 46 + nameLen).toString("utf8");
        p += 46 + nameLen + extraLen + commentLen;
        if (buf.readUInt32LE(local) !== ZIP_LOCAL) {
            throw new Error(`zip: bad local header for ${name}`);
        }
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        const raw = buf.subarray(start, start + size);
        if (method !== 0 && method !== 8) {
            throw new Error(`zip: ${name} uses compression method ${method}`);
        }
        out.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : raw });
    }
    return out;
}

function isBinary(buf: Buffer): boolean {
    return buf.subarray(0, 8192).includes(0);
}

/** The texts to scan in one file: itself, its gunzipped content, or each zip member. */
export function scannableTexts(file: string): ScannedText[] {
    const buf = fs.readFileSync(file);
    if (startsWith(buf, GZIP_MAGIC)) {
        return [{ where: file, text: zlib.gunzipSync(buf).toString("utf8"), decompressed: true }];
    }
    if (buf.length >= 4 && buf.readUInt32LE(0) === ZIP_LOCAL) {
        return unzipMembers(buf).map((m) => ({
            where: `${file}!${m.name}`,
            text: m.data.toString("utf8"),
            decompressed: true,
        }));
    }
    if (isBinary(buf)) {
        throw new Error(
            `secret scan: ${file} is binary in a format the scan cannot read; add a reader ` +
                "for it or keep it out of the scanned directories",
        );
    }
    return [{ where: file, text: buf.toString("utf8"), decompressed: false }];
}

export interface Leak {
    readonly secret: string;
    readonly where: string;
}

/** Every (secret name, place) where a secret value occurs. Values must be non-empty. */
export function findLeaks(
    texts: readonly ScannedText[],
    needles: Readonly<Record<string, string>>,
): Leak[] {
    for (const [name, value] of Object.entries(needles)) {
        if (value.length < 8) {
            throw new Error(`secret scan: needle "${name}" has ${value.length} chars; too short`);
        }
    }
    const leaks: Leak[] = [];
    for (const t of texts) {
        for (const [name, value] of Object.entries(needles)) {
            if (t.text.includes(value)) {
                leaks.push({ secret: name, where: t.where });
            }
        }
    }
    return leaks;
}

/** Tees everything this process writes to stdout and stderr (the mocha reporter included). */
export class OutputCapture {
    private readonly chunks: string[] = [];
    private readonly restore: (() => void)[] = [];

    constructor(
        private readonly streams: readonly NodeJS.WritableStream[] = [
            process.stdout,
            process.stderr,
        ],
    ) {}

    start(): this {
        for (const stream of this.streams) {
            const original = stream.write.bind(stream) as (...a: unknown[]) => boolean;
            stream.write = ((chunk: unknown, ...rest: unknown[]) => {
                this.chunks.push(
                    typeof chunk === "string" ? chunk : Buffer.from(chunk as Buffer).toString(),
                );
                return original(chunk, ...rest);
            }) as typeof stream.write;
            this.restore.push(() => {
                stream.write = original as typeof stream.write;
            });
        }
        return this;
    }

    text(): string {
        return this.chunks.join("");
    }

    stop(): void {
        this.restore.splice(0).forEach((r) => r());
    }
}

/**
 * Scans the runner's captured output once more when the process exits, after mocha printed its
 * final report (assertion messages included): a leak or an output that was not captured at all
 * (no `marker` in it) makes the exit status 1. `needles` is read at exit, so fill it as you go.
 */
export function scanRunnerOutputAtExit(
    capture: OutputCapture,
    needles: Readonly<Record<string, string>>,
    marker: string,
): void {
    process.on("exit", () => {
        if (Object.keys(needles).length === 0) {
            return;
        }
        const text = capture.text();
        const problems = findLeaks(
            [{ where: "the test runner's output", text, decompressed: false }],
            needles,
        ).map((l) => `${l.secret} in ${l.where}`);
        if (!text.includes(marker)) {
            problems.push("the test runner's output was not captured, so it was not scanned");
        }
        if (problems.length > 0) {
            fs.writeSync(2, `\nsecret scan at exit FAILED: ${problems.join("; ")}\n`);
            // mocha exits through process.exit(<failures>); only a process.exit() from inside
            // this listener changes the code (setting process.exitCode here would not).
            process.exit(
                typeof process.exitCode === "number" && process.exitCode > 0 ? process.exitCode : 1,
            );
        } else {
            fs.writeSync(
                2,
                `secret scan at exit: the runner's output (${text.length} chars) holds none of ` +
                    `${Object.keys(needles).length} secrets\n`,
            );
        }
    });
}
