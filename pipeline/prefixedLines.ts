// Splits streamed engine output into lines and prefixes each with its region, so two regions
// running at once stay readable.

export interface LineSink {
    (chunk: string): void;
    /** Emits a trailing partial line, if any. */
    flush(): void;
}

export function prefixedLines(prefix: string, write: (line: string) => void): LineSink {
    let pending = "";
    const sink = ((chunk: string) => {
        const parts = (pending + chunk).split(/\r?\n/);
        pending = parts.pop() ?? "";
        for (const line of parts) {
            write(`${prefix}${line}\n`);
        }
    }) as LineSink;
    sink.flush = () => {
        if (pending.length > 0) {
            write(`${prefix}${pending}\n`);
            pending = "";
        }
    };
    return sink;
}
