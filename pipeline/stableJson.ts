// Deterministic JSON: object keys sorted at every depth, two-space indent, trailing newline.
// Summary files are diffed and archived by CI, so equal content must give equal bytes.

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value).sort()) {
            const v = (value as Record<string, unknown>)[key];
            if (v !== undefined) {
                out[key] = sortKeys(v);
            }
        }
        return out;
    }
    return value;
}

export function stableStringify(value: unknown): string {
    return JSON.stringify(sortKeys(value), null, 2) + "\n";
}
