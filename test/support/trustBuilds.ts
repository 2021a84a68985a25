// Records the TLS contexts built while a test runs, to show that trust is built once and reused.
import { createRequire } from "node:module";

type CreateSecureContext = (typeof import("node:tls"))["createSecureContext"];
// The real module object (an `import * as` namespace is read-only): Node's tls.connect builds
// each connection's context through this export unless it is handed one.
const tlsModule = createRequire(__filename)("node:tls") as {
    createSecureContext: CreateSecureContext;
};

/** Runs `fn` while recording the `ca` option of every TLS context built, and returns them. */
export async function recordTrustBuilds(fn: () => Promise<unknown>): Promise<unknown[]> {
    const built: unknown[] = [];
    const original = tlsModule.createSecureContext;
    tlsModule.createSecureContext = (o) => {
        if (o?.ca !== undefined) {
            built.push(o.ca);
        }
        return original(o);
    };
    try {
        await fn();
    } finally {
        tlsModule.createSecureContext = original;
    }
    return built;
}
