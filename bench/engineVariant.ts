// A variant of the real-engine bench (bench/engine.ts, BENCH_ENGINE_VARIANTS): which SDK, which
// driver options and which CLI environment one run uses. Parsed here, away from the bench's
// main, so that the grammar has a spec.

export interface Variant {
    /** As given, without the @sizes part: the label in the output. */
    readonly name: string;
    readonly stockSdk: boolean;
    readonly parallel?: number;
    /** The driver's --skip-checkpoints. */
    readonly skipCheckpoints: boolean;
    /** The program only transpiles (PULUMI_NODEJS_TRANSPILE_ONLY=true through a wrapped CLI). */
    readonly transpile: boolean;
    /** The file backend writes the state zstd-compressed (PULUMI_DIY_BACKEND_ZSTD=true). */
    readonly zstd: boolean;
    /** One driver invocation per region instead of one for all (BENCH_ENGINE_REGIONS > 1). */
    readonly split: boolean;
    /** Only at these sizes; every size when undefined. */
    readonly sizes?: readonly number[];
}

const FLAGS = ["skipcp", "transpile", "zstd", "split"] as const;

const USAGE =
    "stock, patched or patched:N, then any of " +
    FLAGS.map((f) => `+${f}`).join(", ") +
    " (each once), then optionally @A+B";

export function parseVariant(spec: string): Variant {
    const m = /^(stock|patched)(?::(\d+))?((?:\+[a-z]+)*)(?:@(\d+(?:\+\d+)*))?$/.exec(spec.trim());
    const flags = m?.[3].split("+").slice(1) ?? [];
    const unknown = flags.find((f) => !(FLAGS as readonly string[]).includes(f));
    const twice = flags.find((f, i) => flags.indexOf(f) !== i);
    if (!m || unknown !== undefined || twice !== undefined) {
        throw new Error(`BENCH_ENGINE_VARIANTS: "${spec}" is not ${USAGE}`);
    }
    return {
        name: spec.trim().replace(/@.*$/, ""),
        stockSdk: m[1] === "stock",
        parallel: m[2] ? Number(m[2]) : undefined,
        skipCheckpoints: flags.includes("skipcp"),
        transpile: flags.includes("transpile"),
        zstd: flags.includes("zstd"),
        split: flags.includes("split"),
        sizes: m[4]?.split("+").map(Number),
    };
}
