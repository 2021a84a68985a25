import * as assert from "node:assert/strict";
import type { PreviewOptions, RefreshOptions } from "@pulumi/pulumi/automation";
import { digestEvents } from "../events";
import { runRegion } from "../region";
import { stableStringify } from "../stableJson";
import { commandError, FakeStack, loadEvents, loadState } from "./support";

const policy = { packDir: "/repo/policy", configFile: "/repo/policy/config/dev.json" };
let clock = 0;
const now = () => (clock += 250);

describe("pipeline/region runRegion", () => {
    it("previews with the policy pack and its stack config attached", async () => {
        const stack = new FakeStack({
            fixtures: { preview: loadEvents("preview-dev-changes") },
            state: loadState("state-dev-after-up"),
        });
        const ac = new AbortController();
        const lines: string[] = [];
        const r = await runRegion(
            async () => stack,
            {
                stack: "dev",
                command: "preview",
                expectNoChanges: false,
                policy,
                onOutput: (t) => lines.push(t),
            },
            ac.signal,
            now,
        );
        assert.equal(stack.calls.length, 1);
        const opts = stack.calls[0].opts as PreviewOptions;
        assert.equal(stack.calls[0].op, "preview");
        assert.deepEqual(opts.policyPacks, ["/repo/policy"]);
        assert.deepEqual(opts.policyPackConfigs, ["/repo/policy/config/dev.json"]);
        assert.equal(opts.signal, ac.signal);
        assert.equal(opts.expectNoChanges, undefined);
        assert.equal(opts.color, "never");
        assert.equal(typeof opts.onOutput, "function");
        assert.equal(r.result, "ok");
        assert.equal(r.cliExitCode, 0);
        assert.equal(r.durationMs, 250);
        assert.equal(r.changes.create, 24);
        assert.equal(r.policyViolations.length, 1);
        assert.deepEqual(Object.keys(r.clusters ?? {}), ["lab-apps"]);
    });

    it("passes expectNoChanges to preview when asked, and reports changes", async () => {
        const stack = new FakeStack({
            fixtures: {
                preview: {
                    ...loadEvents("preview-dev-changes"),
                    cliExitCode: 7,
                    stderr: "error: no changes were expected but changes were proposed",
                },
            },
        });
        const r = await runRegion(
            async () => stack,
            { stack: "dev", command: "preview", expectNoChanges: true, policy },
            new AbortController().signal,
        );
        assert.equal((stack.calls[0].opts as PreviewOptions).expectNoChanges, true);
        assert.equal(r.result, "changes");
        assert.equal(r.cliExitCode, 7);
    });

    it("checks drift with a preview-only refresh that expects no changes", async () => {
        const stack = new FakeStack({
            fixtures: { previewRefresh: loadEvents("drift-prod-changed") },
        });
        const r = await runRegion(
            async () => stack,
            { stack: "prod", command: "drift", expectNoChanges: false },
            new AbortController().signal,
        );
        assert.equal(stack.calls[0].op, "previewRefresh");
        assert.equal((stack.calls[0].opts as RefreshOptions).expectNoChanges, true);
        assert.equal(r.result, "changes");
        assert.equal(r.changes.update, 1);
        assert.equal(r.clusters, undefined, "an empty state has no cluster outputs");
    });

    it("up attaches the policy pack; a failure keeps redacted errors and failed resources", async () => {
        const stack = new FakeStack({ fixtures: { up: loadEvents("up-prod-failure") } });
        const r = await runRegion(
            async () => stack,
            { stack: "prod", command: "up", expectNoChanges: false, policy },
            new AbortController().signal,
        );
        assert.deepEqual((stack.calls[0].opts as PreviewOptions).policyPacks, ["/repo/policy"]);
        assert.equal(r.result, "failed");
        assert.equal(r.cliExitCode, 1);
        assert.equal(r.failedResources.length, 1);
        assert.doesNotMatch(stableStringify(r), /eyJhbGci/);
    });

    it("destroy runs without policy and reads no outputs", async () => {
        const stack = new FakeStack({
            fixtures: { destroy: loadEvents("destroy-dev") },
        });
        const r = await runRegion(
            async () => stack,
            { stack: "dev", command: "destroy", expectNoChanges: false },
            new AbortController().signal,
        );
        assert.equal(stack.calls[0].op, "destroy");
        assert.equal("policyPacks" in stack.calls[0].opts, false);
        assert.equal(stack.exports, 0);
        assert.equal(r.result, "ok");
        assert.deepEqual(r.changes, { create: 0, update: 0, delete: 24, replace: 0, same: 0 });
    });

    it("refuses preview/up without a policy attachment", async () => {
        const stack = new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } });
        const r = await runRegion(
            async () => stack,
            { stack: "dev", command: "up", expectNoChanges: false },
            new AbortController().signal,
        );
        assert.equal(r.result, "failed");
        assert.match(r.errors[0].message, /needs the policy pack/);
        assert.equal(stack.calls.length, 0);
    });

    it("a stack that cannot be opened is a failed region with the CLI's reason", async () => {
        const r = await runRegion(
            async () => {
                throw commandError(
                    255,
                    "error: failed to load checkpoint: access denied",
                    "stack select",
                );
            },
            { stack: "dev", command: "drift", expectNoChanges: false },
            new AbortController().signal,
        );
        assert.equal(r.result, "failed");
        assert.deepEqual(r.errors, [
            { message: "error: failed to load checkpoint: access denied" },
        ]);
    });

    it("an already-aborted signal starts nothing", async () => {
        const ac = new AbortController();
        ac.abort();
        let opened = false;
        const r = await runRegion(
            async () => {
                opened = true;
                return new FakeStack({ fixtures: {} });
            },
            { stack: "dev", command: "up", expectNoChanges: false, policy },
            ac.signal,
        );
        assert.equal(opened, false);
        assert.equal(r.result, "interrupted");
    });

    it("is interrupted when SIGINT arrives mid-run, and reads no outputs", async () => {
        const ac = new AbortController();
        const stack = new FakeStack({
            fixtures: {},
            blockUntilAborted: loadEvents("up-dev-cancelled"),
            onStart: () => setImmediate(() => ac.abort()),
        });
        const r = await runRegion(
            async () => stack,
            { stack: "dev", command: "up", expectNoChanges: false, policy },
            ac.signal,
        );
        assert.equal(r.result, "interrupted");
        // The real 3.248 CLI exits 1 after a SIGINT cancel; the abort signal is what tells.
        assert.equal(r.cliExitCode, 1);
        // Counted by the engine's summary, which a cancelled run still sends.
        assert.deepEqual(r.changes, digestEvents(loadEvents("up-dev-cancelled").events).changes);
        assert.ok(r.changes.create > 0);
        assert.equal(stack.exports, 0);
    });

    it("notes unavailable outputs without failing the region", async () => {
        const stack = new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } });
        stack.exportStack = async () => {
            throw new Error("stack export: permission denied");
        };
        const r = await runRegion(
            async () => stack,
            { stack: "dev", command: "up", expectNoChanges: false, policy },
            new AbortController().signal,
        );
        assert.equal(r.result, "ok");
        assert.match(r.note ?? "", /cluster outputs unavailable: stack export: permission denied/);
    });
});
