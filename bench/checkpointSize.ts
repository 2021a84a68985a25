// Size of a stack's checkpoint in a file:// backend, and where its bytes are: per resource type
// and per top-level field of a resource (inputs, outputs, ...), measured as compact JSON. The
// engine rewrites the whole checkpoint after every step, so its size is the per-step cost.
import * as fs from "node:fs";
import * as path from "node:path";

export interface TypeBytes {
    readonly type: string;
    readonly count: number;
    /** Compact JSON of the resources of this type. */
    readonly bytes: number;
    /** Of those bytes, per top-level field of the resource. */
    readonly fields: Record<string, number>;
}

export interface CheckpointSize {
    /** The file as the backend wrote it (indented JSON). */
    readonly fileBytes: number;
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

/** The checkpoint file of `stack` under a file:// backend directory (plain JSON, not gzipped). */
export function checkpointFile(stateDir: string, project: string, stack: string): string {
    return path.join(stateDir, ".pulumi", "stacks", project, `${stack}.json`);
}

export function checkpointSize(file: string): CheckpointSize {
    const text = fs.readFileSync(file, "utf8");
    const doc = JSON.parse(text) as { checkpoint?: { latest?: { resources?: StateResource[] } } };
    const resources = doc.checkpoint?.latest?.resources ?? [];
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
        fileBytes: Buffer.byteLength(text),
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
    const out = [
        `checkpoint ${kib(c.fileBytes)} KiB on disk, ${c.resources} resources, ` +
            `${kib(c.resourceBytes)} KiB compact (${Math.round(c.resourceBytes / Math.max(1, c.resources))} B/resource)`,
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
