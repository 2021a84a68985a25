// The IP plan finds overlapping blocks with a sweep over blocks sorted by address instead of
// comparing every pair. This property test checks it against the pairwise definition: every
// overlapping pair once, in config order (i < j, then j), the derived cluster named as the one
// to move.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { NetworkConfig } from "../../components/config/types";
import {
    IpPlanError,
    IpPlanRequest,
    Region,
    cidrOf,
    derivedBlock,
    parseRange,
    planRegion,
} from "../../components/ipPlan";

const NETWORK: NetworkConfig = {
    subnet: "10.1.0.0/22",
    gateway: "10.1.0.1",
    nameservers: [],
    searchDomains: [],
    reserved: ["10.1.0.0/27"],
    clusterBlockPrefix: 26,
};

// Pinned blocks of /24-/27 anywhere in the /22 (unpinned where the block is not eligible).
const request = fc.record({
    bits: fc.integer({ min: 24, max: 27 }),
    slot: fc.integer({ min: 1, max: 31 }),
    pinned: fc.boolean(),
});

function requestsOf(rs: { bits: number; slot: number; pinned: boolean }[]): IpPlanRequest[] {
    return rs.map((r, i) => {
        const size = 2 ** (32 - r.bits);
        const lo = parseRange(NETWORK.subnet).lo + Math.floor((r.slot * 32) / size) * size;
        const block = cidrOf(lo, r.bits);
        // Blocks holding the gateway, reserved or broadcast addresses are rejected before overlaps.
        const eligible = new Region(NETWORK).eligible({ lo, hi: lo + size - 1 });
        return {
            name: `c${i}`,
            addressBlock: r.pinned && eligible ? block : undefined,
            needed: 1,
            path: `clusters[${i}]`,
        };
    });
}

/** [movable, other] per overlapping pair, by the pairwise definition. */
function expectedPairs(reqs: IpPlanRequest[]): [string, string][] {
    const region = new Region(NETWORK);
    const block = (r: IpPlanRequest) =>
        r.addressBlock ? parseRange(r.addressBlock) : derivedBlock(region, r.name, 26)!;
    const out: [string, string][] = [];
    for (let i = 0; i < reqs.length; i++) {
        for (let j = i + 1; j < reqs.length; j++) {
            const [a, b] = [block(reqs[i]), block(reqs[j])];
            if (a.lo <= b.hi && b.lo <= a.hi) {
                const movable = reqs[j].addressBlock ? reqs[i] : reqs[j];
                out.push([movable.name, (movable === reqs[i] ? reqs[j] : reqs[i]).name]);
            }
        }
    }
    return out;
}

function reportedPairs(reqs: IpPlanRequest[]): [string, string][] {
    try {
        planRegion(NETWORK, reqs);
        return [];
    } catch (e) {
        if (!(e instanceof IpPlanError)) throw e;
        return e.issues
            .map((i) => /of cluster "([^"]+)" overlaps \S+ of cluster "([^"]+)"/.exec(i.message))
            .filter((m): m is RegExpExecArray => m !== null)
            .map((m) => [m[1], m[2]] as [string, string]);
    }
}

describe("IP plan block overlaps", () => {
    it("reports every overlapping pair once, in config order", () => {
        fc.assert(
            fc.property(fc.array(request, { maxLength: 24 }), (rs) => {
                const reqs = requestsOf(rs);
                assert.deepEqual(reportedPairs(reqs), expectedPairs(reqs));
            }),
            { numRuns: 1500 },
        );
    });

    it("sees nested and repeated blocks (the generator overlaps)", () => {
        const reqs = requestsOf([
            { bits: 24, slot: 8, pinned: true },
            { bits: 26, slot: 10, pinned: true },
            { bits: 27, slot: 10, pinned: true },
        ]);
        assert.deepEqual(reportedPairs(reqs), [
            ["c0", "c1"],
            ["c0", "c2"],
            ["c1", "c2"],
        ]);
    });
});
