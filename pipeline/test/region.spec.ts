import * as assert from "node:assert/strict";
import type { PreviewOptions, RefreshOptions } from "@pulumi/pulumi/automation";
import { digestEvents } from "../events";
import { runRegion } from "../region";
import { stableStringify } from "../stableJson";
import { types } from "../../components/constants";
import { commandError, FakeStack, loadEvents, loadState, pendingState } from "./support";

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
        assert.equal("parallel" in stack.calls[0].opts, false, "the engine's default");
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
            { stack: "dev", command: "destroy", expectNoChanges: false, parallel: 28 },
            new AbortController().signal,
        );
        assert.equal(stack.calls[0].op, "destroy");
        assert.equal(stack.calls[0].opts.parallel, 28);
        assert.equal("policyPacks" in stack.calls[0].opts, false);
        // One export: the check for pending operations before destroy, no outputs after it.
        assert.equal(stack.exports, 1);
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
        // One export: the check for pending operations before up, no outputs after it.
        assert.equal(stack.exports, 1);
    });

    it("notes unavailable outputs without failing the region", async () => {
        const stack = new FakeStack({ fixtures: { up: loadEvents("up-dev-success") } });
        // The pre-flight export (pending operations) works; the one after up fails.
        const exportStack = stack.exportStack.bind(stack);
        stack.exportStack = async () => {
            if (stack.exports++ > 0) {
                throw new Error("stack export: permission denied");
            }
            return exportStack();
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

describe("pipeline/region recovery of interrupted updates", () => {
    const here = (alive: number[] = []) => ({
        hostname: "ci-7",
        pulumiAlive: (pid: number) => alive.includes(pid),
    });
    const up = (stack: FakeStack, host = here(), notices: string[] = []) =>
        runRegion(
            async () => stack,
            {
                stack: "dev",
                command: "up",
                expectNoChanges: false,
                policy,
                host,
                onNotice: (l) => notices.push(l),
            },
            new AbortController().signal,
            now,
        );

    it("after a SIGKILL: cancels the dead CLI's lock, clears pending creates, then runs up", async () => {
        const stack = new FakeStack({
            fixtures: { up: loadEvents("up-dev-success") },
            state: pendingState([
                { type: "creating", resType: types.Cluster, name: "lab-apps" },
                { type: "creating", resType: types.ApiServerReady },
            ]),
            lock: { host: "ci-7", pid: 4242 },
        });
        const notices: string[] = [];
        const r = await up(stack, here(), notices);
        assert.equal(r.result, "ok", JSON.stringify(r.errors));
        assert.equal(stack.cancels, 1);
        assert.deepEqual(
            stack.calls.map((c) => c.op),
            ["refresh", "refresh", "up"],
            "refresh hit the lock, ran again after the cancel, then up",
        );
        assert.equal((stack.calls[1].opts as RefreshOptions).clearPendingCreates, true);
        assert.deepEqual(r.recovery, notices);
        const text = notices.join("\n");
        assert.match(text, /interrupted; the state holds 2 pending operation/);
        assert.match(text, /no longer runs on this host.*pid 4242/);
        assert.match(text, /pulumi cancel --stack dev/);
        assert.match(text, /no pending operations left; running up/);
    });

    it("a lock held by a running CLI stops the region at once, naming the holder", async () => {
        const stack = new FakeStack({
            fixtures: { up: loadEvents("up-dev-success") },
            lock: { host: "ci-7", pid: 4242 },
        });
        const r = await up(stack, here([4242]));
        assert.equal(r.result, "failed");
        assert.equal(stack.cancels, 0, "a live lock is never removed");
        assert.deepEqual(
            stack.calls.map((c) => c.op),
            ["up"],
        );
        assert.match(
            r.errors.map((e) => e.message).join("\n"),
            /locked by another update.*pid 4242/,
        );
        assert.equal(r.recovery, undefined);
    });

    it("a pending create that could be duplicated stops before anything runs", async () => {
        const stack = new FakeStack({
            fixtures: { up: loadEvents("up-dev-success") },
            state: pendingState([{ type: "creating", resType: types.VsphereFolder }]),
        });
        const r = await up(stack);
        assert.equal(r.result, "failed");
        assert.deepEqual(stack.calls, []);
        assert.match(r.errors[0].message, /--import-pending-creates/);
    });

    it("preview neither refreshes nor cancels: it takes no lock and changes no state", async () => {
        const stack = new FakeStack({
            fixtures: { preview: loadEvents("preview-dev-changes") },
            state: pendingState([{ type: "creating", resType: types.ApiServerReady }]),
        });
        const r = await runRegion(
            async () => stack,
            { stack: "dev", command: "preview", expectNoChanges: false, policy, host: here() },
            new AbortController().signal,
            now,
        );
        assert.equal(r.result, "ok");
        assert.deepEqual(
            stack.calls.map((c) => c.op),
            ["preview"],
        );
    });
});
