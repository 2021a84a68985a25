// Errors that all say one thing: a server could not be reached. Several resources fail with the
// same dial error when a Kubernetes API server goes away in the middle of an update; the summary
// then leads with one line that names the server instead of leaving a person to spot it in N
// provider messages.

import type { RegionError } from "./events";

// Go's net errors as client-go and the dynamic providers report them:
//   Get "https://127.0.0.1:6443/api/v1/...": dial tcp 127.0.0.1:6443: connect: connection refused
const DIAL =
    /(?:"(https?:\/\/[^/"\s]+)[^"]*": )?dial tcp ([^\s:]+:\d+): (?:connect: )?(connection refused|no route to host|i\/o timeout|network is unreachable)/g;
const NODE_REFUSED = /connect (ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT) ([^\s:]+:\d+)/g;
// The program's own readiness wait (ApiServerReady) names the server by role, e.g.
//   "… last state: management API server: connection refused."
const ROLE =
    /\b(management|workload) API server: (connection refused|connection reset|host unreachable|timeout)\b/g;

/** One line per unreachable endpoint, naming it and how many errors it explains. */
export function unreachableServers(errors: readonly RegionError[]): RegionError[] {
    const seen = new Map<string, { reason: string; count: number; urns: Set<string> }>();
    const note = (endpoint: string, reason: string, urn?: string) => {
        const e = seen.get(endpoint) ?? { reason, count: 0, urns: new Set<string>() };
        e.count += 1;
        if (urn) e.urns.add(urn);
        seen.set(endpoint, e);
    };
    for (const err of errors) {
        const hits = new Set<string>();
        for (const m of err.message.matchAll(DIAL)) {
            hits.add(`${m[1] ?? `https://${m[2]}`}\t${m[3]}`);
        }
        for (const m of err.message.matchAll(NODE_REFUSED)) {
            hits.add(`https://${m[2]}\t${m[1]}`);
        }
        for (const m of err.message.matchAll(ROLE)) {
            hits.add(`the ${m[1]} API server\t${m[2]}`);
        }
        for (const h of hits) {
            const [endpoint, reason] = h.split("\t");
            note(endpoint, reason, err.urn);
        }
    }
    return [...seen.entries()].map(([endpoint, e]) => ({
        message:
            `cannot reach ${endpoint.startsWith("the ") ? endpoint : `the server at ${endpoint}`} ` +
            `(${e.reason}): ${e.count} error(s) below ` +
            `come from it${e.urns.size > 0 ? ` (${e.urns.size} resource(s))` : ""}. If it is a ` +
            "Kubernetes API server of this region, bring it back (or fix its kubeconfig) and " +
            "rerun: the rerun continues from the state this run saved.",
    }));
}
