// Reading "a.b.c.d/n" without a regex match or a split: the config path reads several CIDRs per
// cluster (validation, host bits, the IP plan), thousands of clusters per region.

/** What "a.b.c.d/n" says, for 1-3 digit octets and a 1-2 digit prefix. */
export interface ScannedCidr {
    /** The address as an unsigned long, octets combined as ((a << 24) | … | d) >>> 0. */
    readonly ip: number;
    readonly prefix: number;
    /** Every octet is 0-255 without a leading zero (as long2ip writes them). */
    readonly canonical: boolean;
}

/** Reads the digits of s from k on, at most `max` of them; -1 when there are none. */
function digits(s: string, k: number, max: number): { value: number; end: number } {
    let value = 0;
    let end = k;
    while (end < s.length && end - k < max) {
        const d = s.charCodeAt(end) - 48;
        if (d < 0 || d > 9) break;
        value = value * 10 + d;
        end++;
    }
    return { value: end === k ? -1 : value, end };
}

/** "a.b.c.d/n" with 1-3 digit octets and a 1-2 digit prefix; undefined for anything else. */
export function scanCidr(s: string): ScannedCidr | undefined {
    let ip = 0;
    let canonical = true;
    let k = 0;
    for (let octet = 0; octet < 4; octet++) {
        const { value, end } = digits(s, k, 3);
        // "." or "/" next (checked against the length first: reading past the end deoptimizes)
        if (value < 0 || end >= s.length || s.charCodeAt(end) !== (octet < 3 ? 46 : 47)) {
            return undefined;
        }
        if (value > 255 || (end - k > 1 && s.charCodeAt(k) === 48)) canonical = false;
        ip |= value << (24 - 8 * octet);
        k = end + 1;
    }
    const { value: prefix, end } = digits(s, k, 2);
    if (prefix < 0 || end !== s.length) return undefined;
    return { ip: ip >>> 0, prefix, canonical };
}
