// The pod-network overlap check (config/clusterSet.ts checkClusterSet) was rewritten from a
// pairwise loop that parsed every earlier CIDR for every cluster into a sorted-set search. This
// property test runs both on random regions and requires the same issues in the same order.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { Checker } from "../../components/config/checker";
import { checkClusterSet } from "../../components/config/clusterSet";
import { ClusterConfig, NetworkConfig } from "../../components/config/types";
import { parseRange } from "../../components/ipPlan";

// The pairwise algorithm as it was (commit effa790), with the messages as they are now.
/** Cross-cluster checks: unique names, pod networks that do not collide on the shared routers. */
function oldCheckClusterSet(
    c: Checker,
    clusters: readonly ClusterConfig[],
    network: NetworkConfig,
): void {
    const seen = new Map<string, number>();
    clusters.forEach((cl, i) => {
        if (!cl.name) return;
        const prev = seen.get(cl.name);
        if (prev !== undefined) {
            c.fail(
                `clusters[${i}].name`,
                `duplicate cluster name "${cl.name}" (also clusters[${prev}]); rename one of ` +
                    `them, or remove the duplicate entry`,
            );
        }
        seen.set(cl.name, i);
    });
    const valid = (path: string) => c.issues.every((x) => x.path !== path);
    const subnetOk = network.subnet && valid("network.subnet");
    clusters.forEach((cl, i) => {
        const pod = `clusters[${i}].podCidr`;
        const svc = `clusters[${i}].serviceCidr`;
        if (!cl.podCidr || !valid(pod)) return;
        const podR = parseRange(cl.podCidr);
        if (subnetOk && overlap(podR, parseRange(network.subnet))) {
            c.fail(
                pod,
                `${cl.podCidr} overlaps the node subnet ${network.subnet}; pods need their own ` +
                    `routed range, pick a podCidr outside it (e.g. in 172.16.0.0/12)`,
            );
        }
        if (cl.serviceCidr && valid(svc) && overlap(podR, parseRange(cl.serviceCidr))) {
            c.fail(
                svc,
                `${cl.serviceCidr} overlaps the pod network ${cl.podCidr}; pick a serviceCidr ` +
                    `outside it (the default is 10.96.0.0/12)`,
            );
        }
        for (let j = 0; j < i; j++) {
            const other = clusters[j];
            if (
                other.podCidr &&
                valid(`clusters[${j}].podCidr`) &&
                overlap(podR, parseRange(other.podCidr))
            ) {
                c.fail(
                    pod,
                    `${cl.podCidr} overlaps the pod network of cluster "${other.name}" (${other.podCidr}); ` +
                        `pod routes are advertised to the same routers, so they must be unique in ` +
                        `the region: give this cluster an unused podCidr`,
                );
            }
        }
    });
}

const overlap = (a: { lo: number; hi: number }, b: { lo: number; hi: number }) =>
    a.lo <= b.hi && b.lo <= a.hi;

interface Case {
    clusters: { name: string; podCidr?: string; serviceCidr?: string }[];
    subnet: string;
    /** Issues already raised before the check (parse errors), by path. */
    preIssues: string[];
}

// A small address space (100.64.0.0/14, /24 steps; node subnets inside and next to it), so that pod networks
// overlap, nest and repeat often.
const cidr = fc
    .tuple(fc.integer({ min: 14, max: 24 }), fc.integer({ min: 0, max: 1023 }))
    .map(([bits, offset]) => {
        const size = 2 ** (32 - bits);
        const lo = (((100 << 24) | (64 << 16)) >>> 0) + Math.floor((offset * 256) / size) * size;
        const ip = [lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255].join(".");
        return `${ip}/${bits}`;
    });

const caseArb: fc.Arbitrary<Case> = fc
    .record({
        clusters: fc.array(
            fc.record({
                name: fc.constantFrom("a", "b", "c", "d", "e", "f", "g"),
                podCidr: fc.option(cidr, { nil: undefined, freq: 8 }),
                serviceCidr: fc.option(cidr, { nil: undefined, freq: 3 }),
            }),
            { maxLength: 40 },
        ),
        subnet: fc.constantFrom("100.66.0.0/16", "100.64.8.0/22", "100.64.0.0/14", ""),
        preIssueSeeds: fc.array(fc.tuple(fc.nat(60), fc.constantFrom("podCidr", "serviceCidr")), {
            maxLength: 8,
        }),
        subnetInvalid: fc.boolean(),
    })
    .map(({ clusters, subnet, preIssueSeeds, subnetInvalid }) => ({
        clusters,
        subnet,
        preIssues: [
            ...preIssueSeeds.map(([i, k]) => `clusters[${i}].${k}`),
            ...(subnetInvalid ? ["network.subnet"] : []),
        ],
    }));

function run(check: typeof checkClusterSet, k: Case): Checker["issues"] {
    const c = new Checker();
    for (const p of k.preIssues) c.fail(p, "parse error");
    const network = { subnet: k.subnet } as NetworkConfig;
    check(c, k.clusters as unknown as ClusterConfig[], network);
    return c.issues;
}

describe("pod-network overlap check", () => {
    it("reports exactly what the pairwise algorithm reported, in the same order", () => {
        fc.assert(
            fc.property(caseArb, (k) => {
                assert.deepEqual(run(checkClusterSet, k), run(oldCheckClusterSet, k));
            }),
            { numRuns: 2000 },
        );
    });

    it("finds overlaps at all (the generator is not trivially disjoint)", () => {
        const k: Case = {
            clusters: [
                { name: "a", podCidr: "100.64.0.0/16" },
                { name: "b", podCidr: "100.64.4.0/22" },
                { name: "c", podCidr: "100.64.4.0/24" },
                { name: "d", podCidr: "100.65.0.0/16" },
            ],
            subnet: "100.66.0.0/16",
            preIssues: [],
        };
        const issues = run(checkClusterSet, k);
        assert.deepEqual(
            issues.map((i) => i.path),
            ["clusters[1].podCidr", "clusters[2].podCidr"],
        );
        assert.deepEqual(issues, run(oldCheckClusterSet, k));
    });
});
