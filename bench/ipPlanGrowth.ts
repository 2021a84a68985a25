// How often a region's preview fails with an address-block collision: with every cluster placed
// by the hash of its name ("before"), and grown 10 clusters at a time with
// `npm run ipam -- --assign` after each step ("after"), which also checks that no cluster that
// was already placed ever moves. Random cluster names from a fixed seed; /26 blocks in a /16.
import { assignBlocks } from "../components/blockAssignment";
import { NetworkConfig } from "../components/config/types";
import { IpPlanError, IpPlanRequest, planRegion } from "../components/ipPlan";

const NETWORK: NetworkConfig = {
    subnet: "10.60.0.0/16",
    gateway: "10.60.0.1",
    nameservers: ["10.60.0.10"],
    searchDomains: [],
    reserved: ["10.60.0.0/26"],
    clusterBlockPrefix: 26,
};

/** mulberry32: a small seeded PRNG, so every run measures the same regions. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
    };
}

function randomRequests(rand: () => number, n: number, offset = 0): IpPlanRequest[] {
    return Array.from({ length: n }, (_, i) => ({
        name: `team-${Math.floor(rand() * 2 ** 32).toString(36)}-${offset + i}`,
        needed: 4 + Math.floor(rand() * 30),
        path: `clusters[${offset + i}]`,
    }));
}

function collides(requests: readonly IpPlanRequest[]): boolean {
    try {
        planRegion(NETWORK, requests);
        return false;
    } catch (e) {
        if (e instanceof IpPlanError) return e.issues.some((i) => /overlaps/.test(i.message));
        throw e;
    }
}

export interface CollisionRate {
    readonly clusters: number;
    readonly trials: number;
    /** Fraction of regions that fail with every cluster hash-placed. */
    readonly before: number;
    /** Fraction that fail when grown with --assign after every step. */
    readonly after: number;
    /** Clusters whose block changed after they had been placed (must be 0). */
    readonly moved: number;
}

export function collisionRates(sizes: readonly number[], trials: number): CollisionRate[] {
    const max = Math.max(...sizes);
    const before = new Map(sizes.map((n) => [n, 0]));
    const after = new Map(sizes.map((n) => [n, 0]));
    let moved = 0;
    for (let t = 0; t < trials; t++) {
        const all = randomRequests(prng(t + 1), max);
        for (const n of sizes) if (collides(all.slice(0, n))) before.set(n, before.get(n)! + 1);

        let region: IpPlanRequest[] = [];
        const placedAt = new Map<string, string>();
        for (let size = 10; size <= max; size += 10) {
            region = [...region, ...all.slice(size - 10, size)];
            const pins = new Map(
                assignBlocks(NETWORK, region).map((p) => [p.name, p.block] as const),
            );
            region = region.map((r) =>
                pins.has(r.name) ? { ...r, addressBlock: pins.get(r.name) } : r,
            );
            for (const r of region) {
                const was = placedAt.get(r.name);
                if (was !== undefined && was !== r.addressBlock) moved++;
                placedAt.set(r.name, r.addressBlock!);
            }
            if (before.has(size) && collides(region)) after.set(size, after.get(size)! + 1);
        }
    }
    return sizes.map((n) => ({
        clusters: n,
        trials,
        before: before.get(n)! / trials,
        after: after.get(n)! / trials,
        moved,
    }));
}
