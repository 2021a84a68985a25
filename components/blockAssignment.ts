// `npm run ipam -- --stack <s> --assign`: pins every unpinned cluster to an address block, so a
// region can grow without hash collisions. Sticky: a cluster whose derived block is free keeps
// exactly that block (its VIP and pool do not move); only clusters the plan would reject (a
// collision, in which the later-listed cluster is the one asked to move, as the preview's error
// says, or a pool too small) get the first free block that fits, in address order.
import { NetworkConfig } from "./config/types";
import { Interval, IntervalUnion } from "./intervals";
import {
    IpPlanError,
    IpPlanIssue,
    IpPlanRequest,
    Region,
    cidrOf,
    derivedBlock,
    parseRange,
    poolStart,
} from "./ipPlan";

export interface BlockAssignment {
    readonly name: string;
    /** Config path of the cluster, e.g. "clusters[3]". */
    readonly path: string;
    readonly block: string;
    /** True when this is the block the cluster already derives (nothing moves). */
    readonly kept: boolean;
}

/** Addresses of a block's node pool, as the plan counts them. */
const poolSize = (block: Interval, req: IpPlanRequest) => block.hi - poolStart(block, req) + 1;

/** The assignments for every unpinned request, in config order. Pinned clusters never change. */
export function assignBlocks(
    network: NetworkConfig,
    requests: readonly IpPlanRequest[],
): BlockAssignment[] {
    const region = new Region(network);
    const taken = new IntervalUnion();
    for (const f of region.forbidden) taken.add(f);
    for (const r of requests) {
        if (r.addressBlock) taken.add(parseRange(r.addressBlock));
        if (r.vip) taken.add(parseRange(r.vip));
    }
    const out = new Map<IpPlanRequest, BlockAssignment>();
    const unpinned = requests.filter((r) => !r.addressBlock);
    for (const r of unpinned) {
        const b = derivedBlock(region, r.name, network.clusterBlockPrefix);
        if (b && !taken.intersects(b) && poolSize(b, r) >= r.needed) {
            taken.add(b);
            out.set(r, {
                name: r.name,
                path: r.path,
                block: cidrOf(b.lo, network.clusterBlockPrefix),
                kept: true,
            });
        }
    }
    const issues: IpPlanIssue[] = [];
    for (const r of unpinned.filter((x) => !out.has(x))) {
        const prefix = prefixFor(region, r, network.clusterBlockPrefix);
        const b = prefix === undefined ? undefined : firstFree(region, taken, prefix);
        if (!b) {
            issues.push({
                path: r.path,
                message: `no free block holds ${r.needed} addresses; widen network.subnet or free a block`,
            });
            continue;
        }
        taken.add(b);
        out.set(r, { name: r.name, path: r.path, block: cidrOf(b.lo, prefix!), kept: false });
    }
    if (issues.length > 0) throw new IpPlanError(issues);
    return unpinned.map((r) => out.get(r)!);
}

/** The smallest block (no smaller than the region's default) whose pool holds the cluster. */
function prefixFor(region: Region, r: IpPlanRequest, defaultPrefix: number): number | undefined {
    for (let p = defaultPrefix; p >= region.prefix; p--) {
        if (poolSize({ lo: 0, hi: 2 ** (32 - p) - 1 }, r) >= r.needed) return p;
    }
    return undefined;
}

/** The first block of `prefix` bits, in address order, that holds nothing taken. */
function firstFree(region: Region, taken: IntervalUnion, prefix: number): Interval | undefined {
    const size = 2 ** (32 - prefix);
    const n = region.blockCount(prefix);
    for (let i = 0; i < n;) {
        const b = region.block(i, prefix);
        const t = taken.nextAtOrAfter(b.lo);
        if (!t || t.lo > b.hi) return b;
        // Skip every block up to the end of the taken interval.
        i = Math.max(i + 1, Math.floor((t.hi + 1 - region.subnet.lo) / size));
    }
    return undefined;
}
