// Size of a stack's checkpoint in a file:// backend, and where its bytes are: per resource type
// and per top-level field of a resource (inputs, outputs, ...), measured as compact JSON. The
// engine rewrites the whole checkpoint after every step, so its size is the per-step cost. The
// backend may compress it (PULUMI_DIY_BACKEND_GZIP, PULUMI_DIY_BACKEND_ZSTD): a gzip file is read
// here; Node 20's zlib has no zstd, so for a zstd file the resources come from the CLI's
// `pulumi stack export` of the same state (the same resource objects the file holds).
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";

export type Compression = "none" | "gzip" | "zstd";

/** The file name's ending per compression, as the backend names them (backend/diy/state.go). */
const EXTENSION: Record<Compression, string> = {
    none: ".json",
    gzip: ".json.gz",
    zstd: ".json.zst",
};

export interface TypeBytes {
    readonly type: string;
    readonly count: number;
    /** Compact JSON of the resources of this type. */
    readonly bytes: number;
    /** Of those bytes, per top-level field of the resource. */
    readonly fields: Record<string, number>;
}

export interface CheckpointSize {
    /** The file as the backend wrote it (JSON, or compressed JSON). */
    readonly fileBytes: number;
    readonly compression: Compression;
    /** Where the resources were read: the file, or `pulumi stack export` (zstd). */
    readonly resourcesFrom: "file" | "stack export";
    readonly resources: number;
    /** Compact JSON of all resources (what the engine serializes per step, less indentation). */
    readonly resourceBytes: number;
    /** Largest first. */
    readonly byType: TypeBytes[];
}

interface StateResource {
    readonly type: string;
    readonly [field: string]: unknown;
}

/**
 * The checkpoint file of `stack` under a file:// backend directory: of its plain, gzip and zstd
 * forms the one modified last, as the CLI picks it (a change of compression leaves the old form
 * behind only as a .bak); the plain path when there is none.
 */
export function checkpointFile(stateDir: string, project: string, stack: string): string {
    const base = path.join(stateDir, ".pulumi", "stacks", project, stack);
    const found = Object.values(EXTENSION)
        .map((ext) => base + ext)
        .filter((f) => fs.existsSync(f))
        .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    return found[0] ?? base + EXTENSION.none;
}

export function compressionOf(file: string): Compression {
    const entry = Object.entries(EXTENSION).find(([c, ext]) => c !== "none" && file.endsWith(ext));
    return (entry?.[0] as Compression | undefined) ?? "none";
}

interface StateDoc {
    /** The file's form. */
    readonly checkpoint?: { latest?: { resources?: StateResource[] } };
    /** `pulumi stack export`'s form. */
    readonly deployment?: { resources?: StateResource[] };
}

/**
 * The checkpoint's size and where its bytes are. `exported` (`pulumi stack export` of the stack)
 * is needed for a zstd file, whose resources Node cannot read; the file's own size is measured
 * either way.
 */
export function checkpointSize(file: string, exported?: string): CheckpointSize {
    const compression = compressionOf(file);
    const raw = fs.readFileSync(file);
    let text: string;
    if (compression !== "zstd") {
        text = (compression === "gzip" ? zlib.gunzipSync(raw) : raw).toString("utf8");
    } else if (exported !== undefined) {
        text = exported;
    } else {
        throw new Error(`${file} is zstd, which Node cannot read: pass \`pulumi stack export\``);
    }
    const doc = JSON.parse(text) as StateDoc;
    const resources = doc.checkpoint?.latest?.resources ?? doc.deployment?.resources ?? [];
    const types = new Map<
        string,
        { count: number; bytes: number; fields: Record<string, number> }
    >();
    let resourceBytes = 0;
    for (const r of resources) {
        const t = types.get(r.type) ?? { count: 0, bytes: 0, fields: {} };
        const bytes = Buffer.byteLength(JSON.stringify(r));
        t.count += 1;
        t.bytes += bytes;
        for (const [k, v] of Object.entries(r)) {
            t.fields[k] = (t.fields[k] ?? 0) + Buffer.byteLength(JSON.stringify(v) ?? "");
        }
        types.set(r.type, t);
        resourceBytes += bytes;
    }
    return {
        fileBytes: raw.length,
        compression,
        resourcesFrom: compression === "zstd" ? "stack export" : "file",
        resources: resources.length,
        resourceBytes,
        byType: [...types.entries()]
            .map(([type, t]) => ({ type, ...t }))
            .sort((a, b) => b.bytes - a.bytes),
    };
}

const kib = (b: number) => (b / 1024).toFixed(1);

/** A readable table: the file, then per type count, KiB, bytes per resource and its big fields. */
export function checkpointLines(c: CheckpointSize, top = 12): string[] {
    const form = c.compression === "none" ? "" : ` (${c.compression})`;
    const from = c.resourcesFrom === "file" ? "" : `; resources read from ${c.resourcesFrom}`;
    const out = [
        `checkpoint ${kib(c.fileBytes)} KiB on disk${form}, ${c.resources} resources, ` +
            `${kib(c.resourceBytes)} KiB compact (${Math.round(c.resourceBytes / Math.max(1, c.resources))} B/resource)${from}`,
    ];
    for (const t of c.byType.slice(0, top)) {
        const fields = Object.entries(t.fields)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 3)
            .map(([k, b]) => `${k} ${Math.round(b / t.count)}`)
            .join(", ");
        out.push(
            `  ${t.type}: ${t.count} x ${Math.round(t.bytes / t.count)} B = ${kib(t.bytes)} KiB ` +
                `(${((100 * t.bytes) / Math.max(1, c.resourceBytes)).toFixed(1)}%; ${fields})`,
        );
    }
    return out;
}
