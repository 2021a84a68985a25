// IPv4 arithmetic for the address-plan policy: addresses, CIDRs and "a-b" ranges as inclusive
// intervals of unsigned 32-bit integers. Pure; IPv6 is reported as unsupported by the caller.

/** An inclusive interval of IPv4 addresses as unsigned 32-bit integers. */
export interface Interval {
    readonly lo: number;
    readonly hi: number;
}

const OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** "10.0.0.1" -> 167772161; undefined when not a dotted-quad IPv4 address. */
export function parseIp(s: string): number | undefined {
    const m = OCTETS.exec(s);
    if (!m) {
        return undefined;
    }
    const parts = m.slice(1).map(Number);
    if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith("0")))) {
        return undefined;
    }
    return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIp(n: number): string {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The network of `ip` with prefix length `prefix` (0..32). */
export function networkOf(ip: number, prefix: number): Interval {
    const size = 2 ** (32 - prefix);
    const lo = Math.floor(ip / size) * size;
    return { lo, hi: lo + size - 1 };
}

/** "10.0.0.0/24" -> interval; undefined when malformed. */
export function parseCidr(s: string): Interval | undefined {
    const [ip, len, ...rest] = s.split("/");
    if (rest.length > 0 || len === undefined || !/^\d{1,2}$/.test(len) || Number(len) > 32) {
        return undefined;
    }
    const n = parseIp(ip);
    return n === undefined ? undefined : networkOf(n, Number(len));
}

/** An InClusterIPPool address entry: a CIDR, an "a-b" range or a single address. */
export function parseAddressSpec(s: string): Interval | undefined {
    if (s.includes("/")) {
        return parseCidr(s);
    }
    if (s.includes("-")) {
        const [a, b, ...rest] = s.split("-");
        const lo = parseIp(a.trim());
        const hi = parseIp((b ?? "").trim());
        return rest.length === 0 && lo !== undefined && hi !== undefined && lo <= hi
            ? { lo, hi }
            : undefined;
    }
    const n = parseIp(s);
    return n === undefined ? undefined : { lo: n, hi: n };
}

export function contains(outer: Interval, inner: Interval): boolean {
    return outer.lo <= inner.lo && inner.hi <= outer.hi;
}

export function overlap(a: Interval, b: Interval): Interval | undefined {
    const lo = Math.max(a.lo, b.lo);
    const hi = Math.min(a.hi, b.hi);
    return lo <= hi ? { lo, hi } : undefined;
}

export function formatInterval(i: Interval): string {
    return i.lo === i.hi ? formatIp(i.lo) : `${formatIp(i.lo)}-${formatIp(i.hi)}`;
}

/** `set` minus `remove`, both lists of intervals; the result is sorted and disjoint. */
export function subtract(set: readonly Interval[], remove: readonly Interval[]): Interval[] {
    let out = [...set].sort((a, b) => a.lo - b.lo);
    for (const r of remove) {
        const next: Interval[] = [];
        for (const i of out) {
            if (!overlap(i, r)) {
                next.push(i);
                continue;
            }
            if (i.lo < r.lo) {
                next.push({ lo: i.lo, hi: r.lo - 1 });
            }
            if (r.hi < i.hi) {
                next.push({ lo: r.hi + 1, hi: i.hi });
            }
        }
        out = next;
    }
    return out;
}
