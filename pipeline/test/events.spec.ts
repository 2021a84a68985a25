import * as assert from "node:assert/strict";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { cleanMessage, digestEvents, hasChanges } from "../events";
import { loadEvents } from "./support";

describe("pipeline/events digestEvents", () => {
    it("counts changes from the summary event and maps the engine's 'warning' to advisory", () => {
        const d = digestEvents(loadEvents("preview-dev-changes").events);
        assert.equal(d.changesFrom, "summary");
        // The engine's summary leaves the root stack out: 25 create steps, 24 counted.
        assert.deepEqual(d.changes, { create: 24, update: 0, delete: 0, replace: 0, same: 0 });
        assert.equal(d.policyViolations.length, 1);
        const v = d.policyViolations[0];
        assert.equal(v.level, "advisory");
        assert.equal(v.policyName, "argocd-cluster-secret-tls");
        assert.equal(v.policyPack, "cluster-fleet");
        assert.equal(v.policyPackVersion, "0.1.0");
        assert.match(v.urn ?? "", /Secret::lab-apps-argocd-cluster$/);
        assert.deepEqual(d.errors, [], "info and debug diagnostics are not errors");
        // The real engine ends every run with a cancelEvent, a clean one too.
        assert.equal(d.cancelled, true);
    });

    it("keeps mandatory and advisory findings apart", () => {
        const d = digestEvents(loadEvents("preview-prod-mandatory").events);
        assert.deepEqual(
            d.policyViolations.map((v) => [v.policyName, v.level]),
            [
                ["control-plane-replicas", "mandatory"],
                ["argocd-cluster-secret-tls", "advisory"],
            ],
        );
        assert.deepEqual(d.changes, { create: 24, update: 0, delete: 0, replace: 0, same: 0 });
        // Besides the policyEvent, the 3.248 engine fails the preview with a plain error.
        assert.deepEqual(d.errors, [{ message: "preview failed" }]);
    });

    it("collects error diagnostics once each, redacted, and failed resource operations", () => {
        const d = digestEvents(loadEvents("up-prod-failure").events);
        assert.deepEqual(
            d.errors.map((e) => e.message.split("\n")[0]),
            ["1 error occurred:", "update failed"],
        );
        const rejected = d.errors[0];
        assert.match(rejected.urn ?? "", /MachineDeployment::lab-apps-general$/);
        assert.match(rejected.message, /ValidatingAdmissionPolicy 'fleet-max-worker-replicas'/);
        assert.match(rejected.message, /limited to 3 replicas/);
        assert.deepEqual(d.failedResources, [
            {
                urn: rejected.urn,
                type: "kubernetes:cluster.x-k8s.io/v1beta2:MachineDeployment",
                op: "update",
                status: 1,
            },
        ]);
        // The engine's summary counts completed steps only: the failed update is not in it.
        assert.deepEqual(d.changes, { create: 0, update: 0, delete: 0, replace: 0, same: 14 });
    });

    it("counts step events like the engine's summary when no summary arrived", () => {
        // The 3.248 engine sends a summary for cancelled and failed runs too; without it (a CLI
        // that died) the steps must give the same counts, the root stack left out.
        for (const name of ["up-dev-cancelled", "up-dev-success", "preview-dev-nochanges"]) {
            const events = loadEvents(name).events;
            const withSummary = digestEvents(events);
            const d = digestEvents(events.filter((e) => !e.summaryEvent));
            assert.equal(withSummary.changesFrom, "summary", name);
            assert.equal(d.changesFrom, "steps", name);
            assert.deepEqual(d.changes, withSummary.changes, name);
        }
    });

    it("counts a replacement once from its steps", () => {
        const urn = "urn:pulumi:dev::cluster-fleet::kubernetes:core/v1:Secret::s";
        const step = (sequence: number, op: string) =>
            ({
                sequence,
                timestamp: 1,
                resourcePreEvent: {
                    metadata: { op, urn, type: "kubernetes:core/v1:Secret", provider: "" },
                },
            }) as EngineEvent;
        const d = digestEvents([
            step(1, "create-replacement"),
            step(2, "replace"),
            step(3, "delete-replaced"),
        ]);
        assert.deepEqual(d.changes, { create: 0, update: 0, delete: 0, replace: 1, same: 0 });
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
