// The tests' virtual clock: timeouts fall due in order, and a sleep ends early at its signal.
import * as assert from "node:assert/strict";
import { virtualClock } from "../support/virtualClock";

describe("virtualClock (test support)", () => {
    it("fires timeouts in time order as it advances, and only those due", () => {
        const clock = virtualClock(1000);
        const late = clock.timeout(300);
        const early = clock.timeout(100);
        clock.advance(99);
        assert.deepEqual([early.aborted, late.aborted, clock.now()], [false, false, 1099]);
        clock.advance(1);
        assert.deepEqual([early.aborted, late.aborted], [true, false]);
        assert.equal((early.reason as DOMException).name, "TimeoutError");
        clock.advance(500);
        assert.deepEqual([late.aborted, clock.now()], [true, 1600]);
    });

    it("a sleep moves time by its length, or only to the timeout that aborts its signal", async () => {
        const clock = virtualClock();
        await clock.sleep(250);
        assert.equal(clock.now(), 250);
        const other = clock.timeout(50);
        const deadline = clock.timeout(100);
        await assert.rejects(clock.sleep(1000, deadline), { name: "TimeoutError" });
        assert.deepEqual([other.aborted, clock.now()], [true, 350]);
        await assert.rejects(clock.sleep(10, deadline), { name: "TimeoutError" });
        assert.equal(clock.now(), 350, "an aborted signal ends the sleep at once");
    });
});
