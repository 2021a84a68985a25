import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { Interval, IntervalUnion } from "../../components/intervals";

const interval = fc
    .tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20 }))
    .map(([lo, len]): Interval => ({ lo, hi: lo + len }));

describe("interval union", () => {
    it("built at once (sort and merge) equals built by one insert per interval", () => {
        fc.assert(
            fc.property(fc.array(interval, { maxLength: 30 }), (xs) => {
                const one = new IntervalUnion();
                for (const x of xs) one.add(x);
                assert.deepEqual(IntervalUnion.of(xs).intervals, one.intervals);
            }),
            { numRuns: 1000 },
        );
    });

    it("merges overlapping and touching intervals only", () => {
        const u = IntervalUnion.of([
            { lo: 10, hi: 12 },
            { lo: 0, hi: 3 },
            { lo: 4, hi: 5 },
            { lo: 11, hi: 20 },
            { lo: 22, hi: 22 },
        ]);
        assert.deepEqual(u.intervals, [
            { lo: 0, hi: 5 },
            { lo: 10, hi: 20 },
            { lo: 22, hi: 22 },
        ]);
    });
});
