import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { Checker } from "../../components/config/checker";

const path$ = fc.constantFrom("a", "a.b", "a.b[0]", "a.b[0].c", "a[1]", "x", "x.y");
const value$ = fc.constantFrom<unknown>(undefined, null, 1, "s", [], {});
const op$ = fc.tuple(fc.constantFrom("object", "array", "string", "fail"), path$, value$);

describe("config checker", () => {
    it("is clean (every path ok) exactly while no issue was reported", () => {
        fc.assert(
            fc.property(fc.array(op$, { maxLength: 8 }), (ops) => {
                const c = new Checker();
                for (const [op, path, v] of ops) {
                    if (op === "object") c.object(path, v, ["b", "c", "y"]);
                    else if (op === "array") c.array(path, v);
                    else if (op === "string") c.string(path, v);
                    else c.fail(path, "bad");
                    if (c.clean) {
                        for (const p of ["a", "a.b", "a.b[0].c", "x.y", "z"]) assert.ok(c.ok(p), p);
                    }
                }
            }),
            { numRuns: 1000 },
        );
    });
});
