// A small validation toolkit: walks untrusted config values, collects every problem with its key
// path and a hint, and throws them together so that one `pulumi preview` shows all mistakes.

import { RunError } from "@pulumi/pulumi/errors";
import { scanCidr } from "./cidr";

export interface ConfigIssue {
    readonly path: string;
    readonly message: string;
}

/** Drops repeated issues (same path and message), keeping the first occurrence's order. */
export function uniqueIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
    const seen = new Set<string>();
    return issues.filter((i) => {
        const key = `${i.path}\u0000${i.message}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

/**
 * Every problem of a region's configuration. A RunError: the Node language host prints a
 * RunError's message alone, so `pulumi preview` shows the list once, without a stack trace.
 */
export class ConfigError extends RunError {
    public readonly issues: readonly ConfigIssue[];

    constructor(issues: readonly ConfigIssue[]) {
        const unique = uniqueIssues(issues);
        super(
            `invalid cluster-fleet configuration (${unique.length} problem${unique.length === 1 ? "" : "s"}):\n` +
                unique.map((i) => `  - ${i.path}: ${i.message}`).join("\n"),
        );
        this.issues = unique;
        this.name = "ConfigError";
    }
}

// Patterns shared by the config checks and the builders' internal asserts.
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const LABEL_KEY =
    /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** Argo CD retry durations: whole seconds, minutes or hours. */
export const DURATION = /^\d+(s|m|h)$/;
/** Git repository URLs Argo CD can pull over TLS or SSH. */
export const REPO_URL = /^https:\/\/\S+$|^ssh:\/\/\S+$|^git@\S+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(s: string): boolean {
    return IPV4.test(s);
}

/** The problem of a string that is not an IPv4 CIDR. */
export const notCidr = (s: string) => `"${s}" is not an IPv4 CIDR like 10.20.0.0/20`;

/** An IPv4 address (octets 0-255, no leading zeros) and a prefix of one or two digits to 32. */
export function isCidr(s: string): boolean {
    const c = scanCidr(s);
    return c !== undefined && c.canonical && c.prefix <= 32;
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(
                d[i - 1][j] + 1,
                d[i][j - 1] + 1,
                d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
            );
        }
    }
    return d[a.length][b.length];
}

export function closest(key: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestD = Infinity;
    for (const k of known) {
        const dd = distance(key, k);
        if (dd < bestD) {
            bestD = dd;
            best = k;
        }
    }
    return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3))
        ? best
        : undefined;
}

type Obj = Record<string, unknown>;

/** Lengths of the enclosing paths of `path`: the positions of its "." and "[" separators. */
function enclosing(path: string): number[] {
    const out: number[] = [];
    for (let k = 0; k < path.length; k++) {
        if (path[k] === "." || path[k] === "[") out.push(k);
    }
    return out;
}

/** Collects issues; every accessor returns a usable fallback so that validation continues. */
export class Checker {
    private readonly list: ConfigIssue[] = [];
    /** Objects and lists that are missing or of the wrong type: their keys are not reported. */
    private readonly absent = new Set<string>();
    /** Paths with an issue of their own. */
    private readonly issuePaths = new Set<string>();
    /** Paths with an issue at or below them: each issue path and its prefixes before "." or "[". */
    private readonly flagged = new Set<string>();

    /** Read-only: every issue goes through fail(), which keeps the path indexes in step. */
    get issues(): readonly ConfigIssue[] {
        return this.list;
    }

    fail(path: string, message: string): void {
        if (this.underAbsent(path)) return;
        this.list.push({ path, message });
        this.issuePaths.add(path);
        this.flagged.add(path);
        for (const k of enclosing(path)) this.flagged.add(path.slice(0, k));
    }

    /** True when an enclosing object or list of `path` is missing or of the wrong type. */
    private underAbsent(path: string): boolean {
        if (this.absent.size === 0) return false;
        for (const k of enclosing(path)) if (this.absent.has(path.slice(0, k))) return true;
        return false;
    }

    /** True when a problem was reported at `path` itself or for an enclosing object or list. */
    reported(path: string): boolean {
        return this.underAbsent(path) || this.issuePaths.has(path);
    }

    /** True while no issue has been reported at all: then ok() is true for every path (an
     *  absent object is always reported), and a hot loop need not build the paths. */
    get clean(): boolean {
        return this.list.length === 0;
    }

    /** True when no issue was reported at `path` or below it (`path.x`, `path[i]`). */
    ok(path: string): boolean {
        if (this.underAbsent(path)) return false;
        // Most configs are valid: then there is no lookup (and no hashing of the path) at all.
        return this.flagged.size === 0 || !this.flagged.has(path);
    }

    throwIfAny(): void {
        if (this.issues.length > 0) {
            throw new ConfigError(this.issues);
        }
    }

    /** An object whose keys must all be in `known`; unknown keys are errors with a hint. */
    object(path: string, v: unknown, known: readonly string[], optional = false): Obj {
        if (v === undefined && optional) {
            return {};
        }
        if (v === null || typeof v !== "object" || Array.isArray(v)) {
            this.fail(path, v === undefined ? "is required (an object)" : "must be an object");
            this.absent.add(path);
            return {};
        }
        for (const k of Object.keys(v)) {
            if (!known.includes(k)) {
                const hint = closest(k, known);
                this.fail(
                    `${path}.${k}`,
                    `unknown key` +
                        (hint
                            ? `; did you mean "${hint}"?`
                            : `; allowed keys: ${known.join(", ")}`),
                );
            }
        }
        return v as Obj;
    }

    array(path: string, v: unknown, optional = false): unknown[] {
        if (v === undefined && optional) {
            return [];
        }
        if (!Array.isArray(v)) {
            this.fail(path, v === undefined ? "is required (a list)" : "must be a list");
            this.absent.add(path);
            return [];
        }
        return v;
    }

    string(path: string, v: unknown, fallback?: string): string {
        if (v === undefined && fallback !== undefined) {
            return fallback;
        }
        if (typeof v !== "string" || v.trim() === "") {
            this.fail(
                path,
                v === undefined ? "is required (a non-empty string)" : "must be a non-empty string",
            );
            return "";
        }
        return v;
    }

    optionalString(path: string, v: unknown): string | undefined {
        return v === undefined ? undefined : this.string(path, v);
    }

    integer(path: string, v: unknown, min: number, max: number, fallback?: number): number {
        if (v === undefined && fallback !== undefined) {
            return fallback;
        }
        if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
            this.fail(
                path,
                `${v === undefined ? "is required: " : `is ${JSON.stringify(v)}; `}must be a whole number from ${min} to ${max}`,
            );
            return fallback ?? min;
        }
        return v;
    }

    number(path: string, v: unknown, min: number, max: number, fallback?: number): number {
        if (v === undefined && fallback !== undefined) {
            return fallback;
        }
        if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
            this.fail(path, `must be a number from ${min} to ${max}`);
            return fallback ?? min;
        }
        return v;
    }

    boolean(path: string, v: unknown, fallback: boolean): boolean {
        if (v === undefined) {
            return fallback;
        }
        if (typeof v !== "boolean") {
            this.fail(path, "must be true or false");
            return fallback;
        }
        return v;
    }

    oneOf<T extends string>(path: string, v: unknown, allowed: readonly T[], fallback?: T): T {
        if (v === undefined && fallback !== undefined) {
            return fallback;
        }
        if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
            this.fail(path, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
            return allowed[0];
        }
        return v as T;
    }

    dnsLabel(path: string, v: unknown, maxLength: number): string {
        const s = this.string(path, v);
        if (s && (!DNS1123_LABEL.test(s) || s.length > maxLength)) {
            this.fail(
                path,
                `"${s}" is not a DNS-1123 label of at most ${maxLength} characters ` +
                    `(lowercase letters, digits and "-", starting and ending with a letter or digit)`,
            );
        }
        return s;
    }

    ip(path: string, v: unknown): string {
        const s = this.string(path, v);
        if (s && !isIpv4(s)) {
            this.fail(path, `"${s}" is not an IPv4 address like 10.20.0.1`);
        }
        return s;
    }

    cidr(path: string, v: unknown): string {
        const s = this.string(path, v);
        if (s && !isCidr(s)) {
            this.fail(path, notCidr(s));
        }
        return s;
    }

    /** A single IP, an "a-b" range or a CIDR. */
    addressRange(path: string, v: unknown): string {
        const s = this.string(path, v);
        if (!s) return s;
        const parts = s.split("-");
        const ok =
            isCidr(s) ||
            isIpv4(s) ||
            (parts.length === 2 && isIpv4(parts[0].trim()) && isIpv4(parts[1].trim()));
        if (!ok) {
            this.fail(path, `"${s}" is not an IPv4 address, "a-b" range or CIDR`);
        }
        return s;
    }

    stringMap(path: string, v: unknown): Record<string, string> {
        if (v === undefined) return {};
        const o = this.object(path, v, Object.keys((v as Obj) ?? {}));
        const out: Record<string, string> = {};
        for (const [k, val] of Object.entries(o)) {
            out[k] = this.string(`${path}["${k}"]`, val);
        }
        return out;
    }
}
