import * as assert from "node:assert/strict";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { cleanMessage, digestEvents, hasChanges } from "../events";
import { loadEvents } from "./support";

describe("pipeline/events digestEvents", () => {
    it("counts changes from the summary event and maps the engine's 'warning' to advisory", () => {
        const d = digestEvents(loadEvents("preview-dev-changes").events);
        assert.equal(d.changesFrom, "summary");
        assert.deepEqual(d.changes, { create: 11, update: 0, delete: 0, replace: 0, same: 0 });
        assert.equal(d.policyViolations.length, 1);
        const v = d.policyViolations[0];
        assert.equal(v.level, "advisory");
        assert.equal(v.policyName, "worker-pool-min-replicas");
        assert.equal(v.policyPack, "cluster-fleet-policy");
        assert.equal(v.policyPackVersion, "0.1.0");
        assert.match(v.urn ?? "", /MachineDeployment::eu1-apps-md-general$/);
        assert.deepEqual(d.errors, [], "info diagnostics are not errors");
        assert.equal(d.cancelled, false);
    });

    it("keeps mandatory and advisory findings apart", () => {
        const d = digestEvents(loadEvents("preview-prod-mandatory").events);
        assert.deepEqual(
            d.policyViolations.map((v) => [v.policyName, v.level]),
            [
                ["control-plane-odd-replicas", "mandatory"],
                ["worker-pool-min-replicas", "advisory"],
            ],
        );
        assert.deepEqual(d.changes, { create: 0, update: 1, delete: 0, replace: 0, same: 10 });
    });

    it("collects error diagnostics once each, redacted, and failed resource operations", () => {
        const d = digestEvents(loadEvents("up-prod-failure").events);
        assert.equal(d.errors.length, 2, "the duplicated 'update failed' is reported once");
        const apiserver = d.errors[0];
        assert.match(apiserver.urn ?? "", /ApiServerReady::eu1-apps-apiserver$/);
        assert.match(apiserver.message, /not ready after 900s/);
        assert.match(apiserver.message, /Bearer \[redacted\]/);
        assert.doesNotMatch(apiserver.message, /eyJhbGci/);
        assert.deepEqual(d.failedResources, [
            {
                urn: apiserver.urn,
                type: "pulumi-nodejs:dynamic/fleet:ApiServerReady",
                op: "create",
                status: 1,
            },
        ]);
        assert.deepEqual(d.changes, { create: 4, update: 0, delete: 0, replace: 0, same: 4 });
    });

    it("counts step events when no summary arrived, a replacement once", () => {
        const d = digestEvents(loadEvents("up-dev-cancelled").events);
        assert.equal(d.changesFrom, "steps");
        assert.deepEqual(d.changes, { create: 0, update: 1, delete: 0, replace: 1, same: 0 });
        assert.equal(d.cancelled, true);
    });

    it("orders events by sequence, whatever order they arrived in", () => {
        const events = loadEvents("preview-prod-mandatory").events;
        const shuffled = [...events].reverse();
        assert.deepEqual(digestEvents(shuffled), digestEvents(events));
    });

    it("reads drift from a refresh preview summary", () => {
        assert.equal(
            hasChanges(digestEvents(loadEvents("drift-prod-changed").events).changes),
            true,
        );
        assert.equal(hasChanges(digestEvents(loadEvents("drift-dev-clean").events).changes), false);
    });

    it("reports nothing for an empty stream", () => {
        const d = digestEvents([]);
        assert.equal(d.changesFrom, "none");
        assert.equal(hasChanges(d.changes), false);
    });

    it("ignores policy events the engine marks as not enforced", () => {
        const e: EngineEvent = {
            sequence: 1,
            timestamp: 1,
            policyEvent: {
                message: "m",
                color: "never",
                policyName: "p",
                policyPackName: "pack",
                policyPackVersion: "1",
                policyPackVersionTag: "1",
                enforcementLevel: "none" as "warning",
            },
        };
        assert.deepEqual(digestEvents([e]).policyViolations, []);
    });
});

describe("pipeline/events cleanMessage", () => {
    it("strips ANSI escapes and Pulumi colour tags, then redacts", () => {
        const raw = "\u001b[31merror:\u001b[0m <{%fg 1%}>password: hunter22<{%reset%}>\n";
        assert.equal(cleanMessage(raw), "error: password: [redacted]");
    });

    it("redacts known secret values passed in", () => {
        assert.equal(
            cleanMessage("token is s3cr3t-value", ["s3cr3t-value"]),
            "token is [redacted]",
        );
    });
});
