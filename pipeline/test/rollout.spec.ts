import * as assert from "node:assert/strict";
import type { EngineCommand } from "../args";
import type { RegionResult } from "../exitCodes";
import { executionOrder, planRollout, runRollout, stopsRollout } from "../rollout";
import { skippedRegion, type RegionSummary } from "../summary";

function done(stack: string, result: RegionResult, command: EngineCommand = "up"): RegionSummary {
    return { ...skippedRegion(stack, command, ""), note: undefined, result, durationMs: 1 };
}

/** A runner whose regions finish when the test says so; it logs starts and ends. */
class ScriptedRunner {
    readonly log: string[] = [];
    readonly signals = new Map<string, AbortSignal>();
    private readonly waiting = new Map<string, (r: RegionResult) => void>();
    inFlight = 0;
    maxInFlight = 0;

    run = (stack: string, signal: AbortSignal): Promise<RegionSummary> => {
        this.log.push(`start ${stack}`);
        this.signals.set(stack, signal);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        return new Promise((resolve) => {
            this.waiting.set(stack, (result) => {
                this.inFlight -= 1;
                this.log.push(`end ${stack}`);
                resolve(done(stack, result));
            });
        });
    };

    started(stack: string): boolean {
        return this.waiting.has(stack);
    }

    async finish(stack: string, result: RegionResult): Promise<void> {
        await until(() => this.started(stack));
        const f = this.waiting.get(stack);
        this.waiting.delete(stack);
        f?.(result);
        await settle();
    }
}

const settle = () => new Promise<void>((r) => setImmediate(r));

async function until(cond: () => boolean): Promise<void> {
    for (let i = 0; i < 1000 && !cond(); i++) {
        await settle();
    }
    assert.ok(cond(), "condition never became true");
}

describe("pipeline/rollout planRollout", () => {
    it("runs the canary alone first, then the rest in the given order", () => {
        const plan = planRollout(["dev", "prod", "lab", "eu2"], "lab", "up", 2);
        assert.deepEqual(plan.phases, [
            { stacks: ["lab"], concurrency: 1 },
            { stacks: ["dev", "prod", "eu2"], concurrency: 2 },
        ]);
    });

    it("destroys in reverse order with the canary last", () => {
        const plan = planRollout(["dev", "prod", "eu2"], "dev", "destroy", 3);
        assert.deepEqual(executionOrder(plan), ["eu2", "prod", "dev"]);
        assert.deepEqual(plan.phases[1], { stacks: ["dev"], concurrency: 1 });
    });

    it("drops an empty phase for a single stack", () => {
        assert.deepEqual(planRollout(["dev"], "dev", "preview", 2).phases, [
            { stacks: ["dev"], concurrency: 1 },
        ]);
    });

    it("rejects a canary outside the stacks", () => {
        assert.throws(() => planRollout(["dev"], "prod", "up", 1), /canary "prod"/);
    });
});

describe("pipeline/rollout stopsRollout", () => {
    it("stops on failures and interruptions; on policy only when mutating", () => {
        for (const cmd of ["preview", "up", "drift", "destroy"] as const) {
            assert.equal(stopsRollout(cmd, "failed"), true);
            assert.equal(stopsRollout(cmd, "interrupted"), true);
            assert.equal(stopsRollout(cmd, "ok"), false);
            assert.equal(stopsRollout(cmd, "changes"), false);
        }
        assert.equal(stopsRollout("up", "policy-violation"), true);
        assert.equal(stopsRollout("destroy", "policy-violation"), true);
        assert.equal(stopsRollout("preview", "policy-violation"), false);
    });
});

describe("pipeline/rollout runRollout", () => {
    it("finishes the canary before anything else starts, then keeps N in flight", async () => {
        const r = new ScriptedRunner();
        const stacks = ["dev", "a", "b", "c", "d"];
        const run = runRollout({
            plan: planRollout(stacks, "dev", "up", 2),
            command: "up",
            signal: new AbortController().signal,
            run: r.run,
        });
        await until(() => r.started("dev"));
        await settle();
        assert.deepEqual(r.log, ["start dev"], "nothing else starts during the canary");
        await r.finish("dev", "ok");
        await until(() => r.started("a") && r.started("b"));
        assert.equal(r.started("c"), false, "concurrency 2");
        await r.finish("b", "ok");
        await until(() => r.started("c"));
        await r.finish("a", "changes");
        await r.finish("c", "ok");
        await r.finish("d", "ok");
        const results = await run;
        assert.deepEqual(
            results.map((x) => [x.stack, x.result]),
            [
                ["dev", "ok"],
                ["a", "changes"],
                ["b", "ok"],
                ["c", "ok"],
                ["d", "ok"],
            ],
            "results come back in plan order, not completion order",
        );
        assert.equal(r.maxInFlight, 2);
    });

    it("a failed canary skips every other region", async () => {
        const r = new ScriptedRunner();
        const run = runRollout({
            plan: planRollout(["dev", "prod", "lab"], "dev", "up", 2),
            command: "up",
            signal: new AbortController().signal,
            run: r.run,
        });
        await r.finish("dev", "failed");
        const results = await run;
        assert.deepEqual(
            results.map((x) => x.result),
            ["failed", "skipped", "skipped"],
        );
        assert.equal(results[1].note, "not started: dev ended with failed");
        assert.deepEqual(r.log, ["start dev", "end dev"]);
    });

    it("stops scheduling at the first failure but lets in-flight regions finish", async () => {
        const r = new ScriptedRunner();
        const run = runRollout({
            plan: planRollout(["dev", "a", "b", "c"], "dev", "up", 2),
            command: "up",
            signal: new AbortController().signal,
            run: r.run,
        });
        await r.finish("dev", "ok");
        await until(() => r.started("a") && r.started("b"));
        await r.finish("a", "failed");
        assert.equal(r.started("c"), false);
        assert.equal(r.signals.get("b")?.aborted, false, "b is not cancelled");
        await r.finish("b", "ok");
        const results = await run;
        assert.deepEqual(
            results.map((x) => [x.stack, x.result]),
            [
                ["dev", "ok"],
                ["a", "failed"],
                ["b", "ok"],
                ["c", "skipped"],
            ],
        );
    });

    it("a policy violation in a preview does not stop the others", async () => {
        const r = new ScriptedRunner();
        const run = runRollout({
            plan: planRollout(["dev", "prod"], "dev", "preview", 2),
            command: "preview",
            signal: new AbortController().signal,
            run: r.run,
        });
        await r.finish("dev", "policy-violation");
        await r.finish("prod", "ok");
        assert.deepEqual(
            (await run).map((x) => x.result),
            ["policy-violation", "ok"],
        );
    });

    it("on abort, cancels in-flight regions through their signal and skips the rest", async () => {
        const r = new ScriptedRunner();
        const ac = new AbortController();
        const run = runRollout({
            plan: planRollout(["dev", "a", "b", "c"], "dev", "up", 2),
            command: "up",
            signal: ac.signal,
            run: r.run,
        });
        await r.finish("dev", "ok");
        await until(() => r.started("a") && r.started("b"));
        ac.abort();
        assert.equal(r.signals.get("a")?.aborted, true);
        await r.finish("a", "interrupted");
        await r.finish("b", "ok");
        const results = await run;
        assert.deepEqual(
            results.map((x) => [x.stack, x.result]),
            [
                ["dev", "ok"],
                ["a", "interrupted"],
                ["b", "ok"],
                ["c", "skipped"],
            ],
        );
        assert.equal(results[3].note, "not started: interrupted (SIGINT)");
    });

    it("turns a throwing runner into a failed region without losing the others", async () => {
        const results = await runRollout({
            plan: planRollout(["dev", "prod"], "dev", "drift", 2),
            command: "drift",
            signal: new AbortController().signal,
            run: async () => {
                throw new Error("EACCES: permission denied, open 'Bearer abc.def.ghi'");
            },
        });
        assert.equal(results[0].result, "failed");
        assert.match(results[0].errors[0].message, /EACCES/);
        assert.doesNotMatch(results[0].errors[0].message, /abc\.def\.ghi/);
        assert.equal(results[1].result, "skipped");
    });

    it("destroy runs the canary last and skips it when another region fails", async () => {
        const r = new ScriptedRunner();
        const run = runRollout({
            plan: planRollout(["dev", "prod"], "dev", "destroy", 2),
            command: "destroy",
            signal: new AbortController().signal,
            run: r.run,
        });
        await r.finish("prod", "failed");
        const results = await run;
        assert.deepEqual(
            results.map((x) => [x.stack, x.result]),
            [
                ["prod", "failed"],
                ["dev", "skipped"],
            ],
        );
    });
});
