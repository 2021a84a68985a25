// Capped exponential backoff with full jitter, shared by the dynamic providers.
// Kept free of Pulumi imports: dynamic providers serialize this module by value.

export interface BackoffOptions {
    /** Delay scale of the first retry, in milliseconds. */
    readonly baseMs: number;
    /** Upper bound of any single delay, in milliseconds. */
    readonly maxMs: number;
}

/**
 * Delay before retry number `attempt` (0-based): a random value in [cap/2, cap] where
 * cap = min(maxMs, baseMs * 2^attempt). Half-jitter keeps polls spread out without ever
 * collapsing to zero.
 */
export function backoffDelay(
    attempt: number,
    opts: BackoffOptions,
    random: () => number = Math.random,
): number {
    const cap = Math.min(opts.maxMs, opts.baseMs * Math.pow(2, Math.min(attempt, 30)));
    return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * Time source of a wait. Tests inject a virtual one, so that deadlines, grace periods, retry
 * delays and request timeouts count the wait's own steps rather than race the machine's load.
 */
export interface Clock {
    now(): number;
    /** Waits `ms`; rejects early with the signal's reason when it aborts. */
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
    /** A signal that aborts `ms` from now, like AbortSignal.timeout on this clock. */
    timeout(ms: number): AbortSignal;
}

/** Sleeps `ms`, or rejects early with the signal's reason when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason ?? new Error("aborted"));
            return;
        }
        // `timer` is declared before `onAbort` uses it: Pulumi's closure serializer rejects a
        // function that refers to a const declared later ("missing variable in closure").
        let timer: ReturnType<typeof setTimeout> | undefined = undefined;
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal?.reason ?? new Error("aborted"));
        };
        timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

/** The wall clock. Wrapped in arrow functions: native Date.now itself does not serialize. */
export const systemClock: Clock = {
    now: () => Date.now(),
    sleep: (ms, signal) => sleep(ms, signal),
    timeout: (ms) => AbortSignal.timeout(ms),
};
