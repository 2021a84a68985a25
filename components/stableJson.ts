// Deterministic JSON: object keys sorted at every level, so equal values always serialize (and
// hash) the same way and no diff appears from key order alone.
import { createHash } from "node:crypto";

function sortDeep(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(sortDeep);
    }
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(
            Object.keys(v as Record<string, unknown>)
                .sort()
                .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
                .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
        );
    }
    return v;
}

/** JSON with keys sorted at every level and undefined members dropped; `space` as in JSON.stringify. */
export function stableStringify(v: unknown, space?: number): string {
    return JSON.stringify(sortDeep(v), null, space) ?? "null";
}

/** First `length` hex characters of the SHA-256 of the value's stable JSON. */
export function shortHash(v: unknown, length = 8): string {
    return createHash("sha256").update(stableStringify(v)).digest("hex").slice(0, length);
}

/** A JSON replacer that sorts keys, for pulumi.jsonStringify. */
export function sortedKeysReplacer(_key: string, value: unknown): unknown {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        return Object.fromEntries(
            Object.keys(value as Record<string, unknown>)
                .sort()
                .map((k) => [k, (value as Record<string, unknown>)[k]]),
        );
    }
    return value;
}
