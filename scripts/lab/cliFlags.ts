// `--flag value` command lines of the lab's TypeScript tools.

/** Reads `--flag value` from `argv`; a missing flag without a fallback fails as `TOOL: --flag is required`. */
export function flagReader(
    tool: string,
    argv: readonly string[],
): (flag: string, fallback?: string) => string {
    return (flag, fallback) => {
        const i = argv.indexOf(flag);
        const v = i >= 0 ? argv[i + 1] : fallback;
        if (v === undefined) throw new Error(`${tool}: ${flag} is required`);
        return v;
    };
}
