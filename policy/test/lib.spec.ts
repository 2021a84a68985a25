import * as assert from "node:assert/strict";
import { readConfig } from "../lib/config";
import { parseDurationSeconds } from "../lib/duration";
import { formatInterval, parseAddressSpec, parseCidr, parseIp, subtract } from "../lib/ipv4";
import { readKnown } from "../lib/known";
import { parseKubeVersion } from "../lib/version";
import { unknown } from "../testing";
import { unknownCheckingProxy } from "@pulumi/policy";

describe("policy helpers", () => {
    it("parses IPv4 addresses, CIDRs and ranges strictly", () => {
        assert.equal(parseIp("10.20.0.1"), 0x0a140001);
        assert.equal(parseIp("255.255.255.255"), 0xffffffff);
        for (const bad of ["10.20.0", "10.20.0.256", "010.1.1.1", "fd00::1", " 10.0.0.1"]) {
            assert.equal(parseIp(bad), undefined, bad);
        }
        assert.equal(formatInterval(parseCidr("10.20.4.7/26")!), "10.20.4.0-10.20.4.63");
        assert.equal(
            formatInterval(parseAddressSpec("10.0.0.9 - 10.0.0.12")!),
            "10.0.0.9-10.0.0.12",
        );
        assert.equal(parseAddressSpec("10.0.0.12-10.0.0.9"), undefined);
        assert.equal(parseCidr("10.0.0.0/33"), undefined);
    });

    it("subtracts address sets", () => {
        const set = [parseAddressSpec("10.0.0.1-10.0.0.10")!];
        const out = subtract(set, [parseAddressSpec("10.0.0.5")!, parseAddressSpec("10.0.0.10")!]);
        assert.deepEqual(out.map(formatInterval), ["10.0.0.1-10.0.0.4", "10.0.0.6-10.0.0.9"]);
    });

    it("parses Argo CD durations", () => {
        assert.equal(parseDurationSeconds("10s"), 10);
        assert.equal(parseDurationSeconds("1m30s"), 90);
        assert.equal(parseDurationSeconds("2h"), 7200);
        assert.equal(parseDurationSeconds("5"), 5);
        for (const bad of ["", "5 m", "m", "1d", 5]) {
            assert.equal(parseDurationSeconds(bad), undefined, String(bad));
        }
    });

    it("parses Kubernetes versions as CAPI writes them", () => {
        assert.deepEqual(parseKubeVersion("v1.34.2"), { major: 1, minor: 34, patch: 2 });
        assert.equal(parseKubeVersion("1.34.2"), undefined);
    });

    it("tells unknown values from known ones through the runtime proxy", () => {
        const props = (unknownCheckingProxy as <T>(p: T) => T)({ a: { b: unknown.string }, c: 1 });
        assert.deepEqual(
            readKnown(() => props.c),
            { known: true, value: 1 },
        );
        assert.deepEqual(
            readKnown(() => props.a.b),
            { known: false, path: ".a.b" },
        );
        assert.throws(() => readKnown(() => JSON.parse("{")), SyntaxError);
    });

    it("applies config defaults and names the property in errors", () => {
        const schema = {
            properties: {
                n: { type: "integer" as const, minimum: 1, default: 3 },
                list: {
                    type: "array" as const,
                    items: { type: "string" as const, pattern: "^\\d+$" },
                    default: [],
                },
            },
        };
        assert.deepEqual(readConfig("p", schema, {}), { n: 3, list: [] });
        assert.deepEqual(readConfig("p", schema, { n: 5, list: ["1"] }), { n: 5, list: ["1"] });
        assert.throws(
            () => readConfig("p", schema, { n: 0 }),
            /policy "p": config property "n" must be an integer >= 1, got 0/,
        );
        assert.throws(
            () => readConfig("p", schema, { list: ["x"] }),
            /"list" must be an array of strings matching/,
        );
    });
});
