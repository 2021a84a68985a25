// A Clock for tests whose time moves only when the code under test sleeps or the test calls
// advance(): deadlines, retry delays and request timeouts then count the wait's own steps and
// never the machine's load. Requests still take real time, which this clock does not see.
import type { Clock } from "../../components/providers/backoff";

export interface VirtualClock extends Clock {
    /** Moves time forward by `ms`, aborting the timeout signals that fall due on the way. */
    advance(ms: number): void;
}

/** A virtual clock at `start` ms. Plain closures, so a provider holding it still serializes. */
export function virtualClock(start = 0): VirtualClock {
    // One state object, not two variables: the closure serializer copies captured variables per
    // function, but keeps an object shared by several functions one object.
    const state = { t: start, timers: [] as { at: number; abort: () => void }[] };
    // Fires the earliest timer due by `until` (the first made, among equals); false if none.
    const fireNext = (until: number): boolean => {
        let i = -1;
        for (let j = 0; j < state.timers.length; j++) {
            if (state.timers[j].at <= until && (i < 0 || state.timers[j].at < state.timers[i].at)) {
                i = j;
            }
        }
        if (i < 0) {
            return false;
        }
        const due = state.timers.splice(i, 1)[0];
        state.t = Math.max(state.t, due.at);
        due.abort();
        return true;
    };
    return {
        now: () => state.t,
        timeout: (ms) => {
            const c = new AbortController();
            const reason = new DOMException("The operation timed out.", "TimeoutError");
            state.timers.push({ at: state.t + ms, abort: () => c.abort(reason) });
            return c.signal;
        },
        advance: (ms) => {
            const end = state.t + ms;
            while (fireNext(end)) {
                // each call fires one timer
            }
            state.t = end;
        },
        // Ends at once at `t + ms`, or earlier at the timer that aborts `signal`; then lets
        // pending I/O callbacks run, as a real sleep would.
        sleep: async (ms, signal) => {
            const end = state.t + ms;
            while (!signal?.aborted && fireNext(end)) {
                // each call fires one timer
            }
            if (!signal?.aborted) {
                state.t = end;
            }
            await new Promise((resolve) => setImmediate(resolve));
            if (signal?.aborted) {
                throw signal.reason;
            }
        },
    };
}
