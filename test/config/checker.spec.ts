import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { Checker, isCidr } from "../../components/config/checker";

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

    it("accepts as a CIDR exactly what the split-and-regex reading accepted", () => {
        const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
        const reference = (s: string) => {
            const [ip, bits, ...rest] = s.split("/");
            const octets = ip.split(".");
            return (
                rest.length === 0 &&
                octets.length === 4 &&
                octets.every((o) => OCTET.test(o)) &&
                /^\d{1,2}$/.test(bits ?? "") &&
                Number(bits) <= 32
            );
        };
        const piece = fc.oneof(
            fc.integer({ min: 0, max: 300 }).map(String),
            fc.constantFrom("", "00", "01", "1000", "a", " 1", "1 ", "/", "."),
        );
        fc.assert(
            fc.property(
                fc.array(piece, { minLength: 1, maxLength: 6 }),
                fc.array(fc.constantFrom(".", "/"), { minLength: 6, maxLength: 6 }),
                (ps, seps) => {
                    const s = ps.map((p, i) => (i === 0 ? p : seps[i] + p)).join("");
                    assert.equal(isCidr(s), reference(s), JSON.stringify(s));
                },
            ),
            { numRuns: 5000 },
        );
        for (const s of ["10.0.0.0/8", "10.0.0.0/08", "0.0.0.0/0", "255.255.255.255/32"]) {
            assert.ok(isCidr(s), s);
        }
        for (const s of [
            "10.0.0.0/33",
            "10.0.0.00/8",
            "10.0.0.256/8",
            "10.0.0.0",
            "10.0.0.0/8/8",
        ]) {
            assert.ok(!isCidr(s), s);
        }
    });
});
