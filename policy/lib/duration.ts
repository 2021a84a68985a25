// Argo CD retry durations: Go duration strings ("10s", "1m30s", "2h") or bare seconds ("5").

const UNIT_SECONDS: Readonly<Record<string, number>> = {
    ns: 1e-9,
    us: 1e-6,
    µs: 1e-6,
    ms: 1e-3,
    s: 1,
    m: 60,
    h: 3600,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** Seconds in `d`, or undefined when it is not a duration Argo CD accepts. */
export function parseDurationSeconds(d: unknown): number | undefined {
    if (typeof d !== "string") {
        return undefined;
    }
    if (/^\d+$/.test(d)) {
        return Number(d);
    }
    if (!WHOLE.test(d)) {
        return undefined;
    }
    let total = 0;
    for (const m of d.matchAll(PART)) {
        total += Number(m[1]) * UNIT_SECONDS[m[2]];
    }
    return total;
}
