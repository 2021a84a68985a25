// The region's static-IP plan: each cluster gets an address block inside the region subnet; the
// block's first address is the control-plane VIP and the rest is the node pool the cluster's
// machines draw from (InClusterIPPool).
//
// Stickiness: a cluster's block depends only on its own name (or its pinned CIDR) and on the
// region's network settings, never on the other clusters. Adding, removing or reordering clusters
// therefore cannot move anyone's VIP or pool; a collision is reported as an error that suggests a
// free block to pin instead of silently shifting somebody.
import { createHash } from "node:crypto";
import { Netmask, ip2long } from "netmask";
import { scanCidr } from "./config/cidr";
import { ClusterIpPlan, NetworkConfig } from "./config/types";
import { Interval, IntervalUnion, overlaps } from "./intervals";

/** What the plan needs to know about one cluster. */
export interface IpPlanRequest {
    readonly name: string;
    /** Pinned block CIDR, if any. */
    readonly addressBlock?: string;
    /** addressBlock parsed, when the caller has already (parseCidr(addressBlock)). */
    readonly block?: CidrBlock;
    /** Pinned VIP, if any (must lie outside every cluster block). */
    readonly vip?: string;
    /** Addresses the pool must hold: control plane + workers + rollout surge. */
    readonly needed: number;
    /** Config path of this cluster, for error messages (e.g. "clusters[2]"). */
    readonly path: string;
}

export interface RegionIpPlan {
    readonly clusters: readonly ClusterIpPlan[];
    /** The address block of each of `clusters`, parsed (for checks that compare addresses). */
    readonly blockRanges: readonly Interval[];
    /** Unused blocks of the region's default block size that a new cluster could pin. */
    readonly freeBlocks: readonly string[];
    /** Addresses of the subnet that are neither reserved nor in a cluster block nor a pinned VIP. */
    readonly freeAddresses: number;
}

/** One problem with the plan, tied to a config path. */
export interface IpPlanIssue {
    readonly path: string;
    readonly message: string;
}

export class IpPlanError extends Error {
    constructor(public readonly issues: readonly IpPlanIssue[]) {
        super("invalid IP plan:\n" + issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n"));
        this.name = "IpPlanError";
    }
}

const u32 = (n: number) => n >>> 0;
/** String.prototype.localeCompare, without a collator per call. */
const byName = new Intl.Collator().compare;

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Unsigned long of a dotted quad; netmask's ip2long (which throws on garbage) for anything else.
 *  One regex, no split: the config path calls this for every cluster's CIDRs. */
function ipToLong(s: string): number {
    const m = DOTTED_QUAD.exec(s);
    return m ? ((+m[1] << 24) | (+m[2] << 16) | (+m[3] << 8) | +m[4]) >>> 0 : u32(ip2long(s));
}

/** A block given as "a.b.c.d/n". */
export interface CidrBlock extends Interval {
    readonly prefix: number;
    /** Every octet is 0-255 without a leading zero, as long2ip writes it. */
    readonly canonical: boolean;
    /** The address as written is the block's first, as long2ip writes it (no host bits). */
    readonly exact: boolean;
}

/** Parses "a.b.c.d/n" without a match or split; undefined for anything else. */
export function parseCidr(spec: string): CidrBlock | undefined {
    const scanned = scanCidr(spec);
    if (!scanned) return undefined;
    const { ip, prefix, canonical } = scanned;
    const size = 2 ** (32 - prefix);
    const lo = Math.floor(ip / size) * size;
    return { lo, hi: lo + size - 1, prefix, canonical, exact: canonical && ip === lo };
}

/** Parses "a.b.c.d", "a-b" or a CIDR into an inclusive interval of unsigned longs. */
export function parseRange(spec: string): Interval {
    const cidr = parseCidr(spec);
    if (cidr) return { lo: cidr.lo, hi: cidr.hi };
    if (spec.includes("/")) {
        const [ip, bits] = spec.split("/");
        const size = 2 ** (32 - Number(bits));
        const lo = Math.floor(ipToLong(ip) / size) * size;
        return { lo, hi: lo + size - 1 };
    }
    const [a, b] = spec.split("-").map((s) => s.trim());
    const lo = ipToLong(a);
    const hi = b === undefined ? lo : ipToLong(b);
    return { lo: Math.min(lo, hi), hi: Math.max(lo, hi) };
}

/** Dotted quad of an unsigned long (netmask's long2ip, without its per-call allocations). */
export const long2ip = (n: number): string =>
    `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const contains = (outer: Interval, x: number) => x >= outer.lo && x <= outer.hi;
export const cidrOf = (lo: number, prefix: number) => `${long2ip(lo)}/${prefix}`;

/** First address of a block's node pool: the block's first address is the VIP unless one is pinned. */
export const poolStart = (block: Interval, req: Pick<IpPlanRequest, "vip">): number =>
    req.vip ? block.lo : block.lo + 1;

/** Stable 32-bit hash of a cluster name: the start of its block search. */
export function nameHash(name: string): number {
    return createHash("sha256").update(name, "utf8").digest().readUInt32BE(0);
}

/** The region-level facts every block decision uses. */
export class Region {
    readonly subnet: Interval;
    readonly prefix: number;
    readonly forbidden: Interval[];

    constructor(readonly network: NetworkConfig) {
        const nm = new Netmask(network.subnet);
        this.prefix = nm.bitmask;
        this.subnet = { lo: u32(nm.netLong), hi: u32(nm.netLong + nm.size - 1) };
        const gw = ipToLong(network.gateway);
        this.forbidden = [
            { lo: this.subnet.lo, hi: this.subnet.lo },
            { lo: this.subnet.hi, hi: this.subnet.hi },
            { lo: gw, hi: gw },
            ...network.reserved.map(parseRange),
        ];
    }

    /** Blocks of `prefix` bits that hold no forbidden address, in address order. */
    blockCount(prefix: number): number {
        return 2 ** (prefix - this.prefix);
    }

    block(index: number, prefix: number): Interval {
        const size = 2 ** (32 - prefix);
        const lo = this.subnet.lo + index * size;
        return { lo, hi: lo + size - 1 };
    }

    eligible(block: Interval): boolean {
        return !this.forbidden.some((f) => overlaps(f, block));
    }

    isForbidden(addr: number): boolean {
        return this.forbidden.some((f) => contains(f, addr));
    }
}

/** A pinned block, its prefix, and whether it is written without host bits. */
function pinnedBlock(spec: string, parsed = parseCidr(spec)) {
    if (parsed) return { block: parsed as Interval, bitmask: parsed.prefix, exact: parsed.exact };
    const [ip, bits] = spec.split("/");
    const block = parseRange(spec);
    return { block, bitmask: Number(bits), exact: long2ip(block.lo) === ip };
}

/** The block a cluster gets when it is not pinned: first eligible block from its name's hash. */
export function derivedBlock(region: Region, name: string, prefix: number): Interval | undefined {
    const n = region.blockCount(prefix);
    const start = nameHash(name) % n;
    for (let k = 0; k < n; k++) {
        const b = region.block((start + k) % n, prefix);
        if (region.eligible(b)) {
            return b;
        }
    }
    return undefined;
}

/** A cluster's block, as placed (pinned or derived). */
interface Placed {
    readonly req: IpPlanRequest;
    readonly block: Interval;
    readonly prefix: number;
}

/** A pinned block that cannot be used; reported after placement so suggestions are free. */
interface Unusable {
    readonly req: IpPlanRequest;
    readonly prefix: number;
    readonly problem: string;
}

/** What placing every request yields, in request order. */
interface Placement {
    readonly placed: Placed[];
    readonly unusable: Unusable[];
    readonly issues: IpPlanIssue[];
}

/**
 * Builds the plan for a region. Inputs must already be syntactically valid (config/parse.ts does
 * that); every semantic problem (overlap, VIP in a pool, pool too small, no room) is collected
 * and thrown together as an IpPlanError.
 */
export function planRegion(
    network: NetworkConfig,
    requests: readonly IpPlanRequest[],
    stack?: string,
): RegionIpPlan {
    const region = new Region(network);
    const { placed, unusable, issues } = placeBlocks(region, requests);

    // Every block is placed now: suggestions (one list per prefix) and free blocks exclude them.
    const used = IntervalUnion.of(placed.map((p) => p.block));
    // What no new block may overlap: the blocks in use and the addresses never handed out.
    const taken = IntervalUnion.of([...region.forbidden, ...used.intervals]);
    const suggest = suggester(region, taken);
    reportUnusable(region, unusable, suggest, issues);
    const overlapping = reportOverlaps(placed, suggest, stack, issues);
    const { plans, vips } = clusterPlans(region, placed, overlapping, issues);

    if (issues.length > 0) {
        throw new IpPlanError(issues);
    }

    const order = plans.map((_, k) => k).sort((a, b) => byName(plans[a].cluster, plans[b].cluster));
    return {
        clusters: order.map((k) => plans[k]),
        blockRanges: order.map((k) => placed[k].block),
        freeBlocks: freeBlockList(
            region,
            taken,
            network.clusterBlockPrefix,
            Number.MAX_SAFE_INTEGER,
        ),
        freeAddresses: countFree(region, used, [...vips.keys()]),
    };
}

/** Gives every request its pinned or derived block, in request order. */
function placeBlocks(region: Region, requests: readonly IpPlanRequest[]): Placement {
    const out: Placement = { placed: [], unusable: [], issues: [] };
    const defaultPrefix = region.network.clusterBlockPrefix;
    for (const req of requests) {
        if (req.addressBlock) {
            placePinned(region, req, req.addressBlock, out);
            continue;
        }
        const block = derivedBlock(region, req.name, defaultPrefix);
        if (!block) {
            out.issues.push({
                path: req.path,
                message:
                    `no /${defaultPrefix} block of ${region.network.subnet} is free of reserved addresses; ` +
                    `pin an addressBlock, shrink network.reserved, or raise ` +
                    `network.clusterBlockPrefix for smaller blocks`,
            });
            continue;
        }
        out.placed.push({ req, block, prefix: defaultPrefix });
    }
    return out;
}

/** Places a pinned block, or records why it cannot be used. */
function placePinned(region: Region, req: IpPlanRequest, spec: string, out: Placement): void {
    const { block, bitmask, exact } = pinnedBlock(spec, req.block);
    if (!exact) {
        out.issues.push({
            path: `${req.path}.addressBlock`,
            message: `${spec} has host bits set; use ${cidrOf(block.lo, bitmask)}`,
        });
        return;
    }
    if (!(block.lo >= region.subnet.lo && block.hi <= region.subnet.hi)) {
        const problem = `${spec} is not inside the region subnet ${region.network.subnet}`;
        out.unusable.push({ req, prefix: bitmask, problem });
        return;
    }
    if (!region.eligible(block)) {
        const problem = `${spec} contains ${forbiddenIn(region, block)}`;
        out.unusable.push({ req, prefix: bitmask, problem });
        return;
    }
    out.placed.push({ req, block, prefix: bitmask });
}

/** Free blocks of a prefix as a hint, listed once per prefix however many issues use it. */
function suggester(region: Region, taken: IntervalUnion): (prefix: number) => string {
    const suggestions = new Map<number, string>();
    return (prefix) => {
        if (!suggestions.has(prefix)) suggestions.set(prefix, suggestion(region, taken, prefix));
        return suggestions.get(prefix)!;
    };
}

function reportUnusable(
    region: Region,
    unusable: readonly Unusable[],
    suggest: (prefix: number) => string,
    issues: IpPlanIssue[],
): void {
    for (const u of unusable) {
        // A block as large as the subnet can never fit: suggest blocks of the default size.
        const prefix = u.prefix > region.prefix ? u.prefix : region.network.clusterBlockPrefix;
        issues.push({
            path: `${u.req.path}.addressBlock`,
            message: `${u.problem}; pin a /${prefix} that is free` + suggest(prefix),
        });
    }
}

/** Overlaps between clusters' blocks, reported per pair in config order; returns the names
 *  involved (their VIP and capacity problems would only repeat the overlap). */
function reportOverlaps(
    placed: readonly Placed[],
    suggest: (prefix: number) => string,
    stack: string | undefined,
    issues: IpPlanIssue[],
): Set<string> {
    const overlapping = new Set<string>();
    for (const [i, j] of overlappingPairs(placed.map((p) => p.block))) {
        const a = placed[i];
        const b = placed[j];
        overlapping.add(a.req.name).add(b.req.name);
        // Move the derived one if there is one: pinned blocks are deliberate.
        const movable = b.req.addressBlock ? a : b;
        const other = movable === a ? b : a;
        issues.push({
            path: `${movable.req.path}.addressBlock`,
            message:
                `the address block ${cidrOf(movable.block.lo, movable.prefix)} of cluster ` +
                `"${movable.req.name}" overlaps ${cidrOf(other.block.lo, other.prefix)} of cluster ` +
                `"${other.req.name}"; pin "${movable.req.name}" to a free block with addressBlock` +
                suggest(movable.prefix) +
                `, or pin every unpinned cluster to a free block: ${assignCommand(stack)}`,
        });
    }
    return overlapping;
}

/** Each placed cluster's VIP and node pool, with the VIP and capacity problems. */
function clusterPlans(
    region: Region,
    placed: readonly Placed[],
    overlapping: ReadonlySet<string>,
    issues: IpPlanIssue[],
): { plans: ClusterIpPlan[]; vips: Map<number, string> } {
    const plans: ClusterIpPlan[] = [];
    const vips = new Map<number, string>();
    for (const { req, block, prefix } of placed) {
        let vip = block.lo;
        const poolLo = poolStart(block, req);
        if (req.vip) {
            vip = ipToLong(req.vip);
            const vipIssue = checkPinnedVip(region, vip, req, placed);
            if (vipIssue) {
                issues.push(vipIssue);
            }
        }
        const other = vips.get(vip);
        if (other !== undefined && !overlapping.has(req.name)) {
            issues.push({
                path: `${req.path}.vip`,
                message:
                    `VIP ${long2ip(vip)} is already the VIP of cluster "${other}"; VIPs must be ` +
                    `unique, pin another free address or remove vip`,
            });
        }
        vips.set(vip, req.name);

        const capacity = block.hi - poolLo + 1;
        if (capacity < req.needed && !overlapping.has(req.name)) {
            issues.push(capacityIssue(req, poolLo, block.hi, prefix));
        }
        plans.push({
            cluster: req.name,
            block: cidrOf(block.lo, prefix),
            vip: long2ip(vip),
            poolStart: long2ip(poolLo),
            poolEnd: long2ip(block.hi),
            capacity,
            needed: req.needed,
        });
    }
    return { plans, vips };
}

/** The pool cannot hold every machine of the cluster plus its rollout surge. */
function capacityIssue(
    req: IpPlanRequest,
    poolLo: number,
    poolHi: number,
    prefix: number,
): IpPlanIssue {
    const capacity = poolHi - poolLo + 1;
    return {
        path: `${req.path}`,
        message:
            `the node pool ${long2ip(poolLo)}-${long2ip(poolHi)} holds ${capacity} addresses ` +
            `but the cluster needs ${req.needed} (control plane + workers + rollout surge); ` +
            `pin a larger addressBlock (prefix < /${prefix}) or lower replicas/maxSurge`,
    };
}

function checkPinnedVip(
    region: Region,
    vip: number,
    req: IpPlanRequest,
    placed: readonly { req: IpPlanRequest; block: Interval }[],
): IpPlanIssue | undefined {
    const path = `${req.path}.vip`;
    if (!contains(region.subnet, vip)) {
        return {
            path,
            message:
                `${req.vip} is not inside the region subnet ${region.network.subnet}; pin an ` +
                `address of the subnet outside every cluster's block, or remove vip`,
        };
    }
    if (region.isForbidden(vip)) {
        return {
            path,
            message:
                `${req.vip} is ${forbiddenIn(region, { lo: vip, hi: vip })}; pick ` +
                `another address, or remove vip to use the block's first address`,
        };
    }
    const owner = placed.find((p) => contains(p.block, vip));
    if (owner) {
        return {
            path,
            message:
                `VIP ${req.vip} lies inside the node pool of cluster "${owner.req.name}" ` +
                `(${long2ip(owner.block.lo)}-${long2ip(owner.block.hi)}); pick an address outside every ` +
                `cluster's address block, or remove vip to use the block's first address`,
        };
    }
    return undefined;
}

/** Names what in `block` is never handed out: gateway, network/broadcast address, reserved. */
function forbiddenIn(region: Region, block: Interval): string {
    const { network, subnet } = region;
    const found: string[] = [];
    const at = (ip: string) => contains(block, ipToLong(ip));
    if (contains(block, subnet.lo)) found.push(`the network address ${long2ip(subnet.lo)}`);
    if (contains(block, subnet.hi)) found.push(`the broadcast address ${long2ip(subnet.hi)}`);
    if (at(network.gateway)) found.push(`the gateway ${network.gateway}`);
    network.reserved.forEach((r, i) => {
        if (overlaps(parseRange(r), block)) found.push(`network.reserved[${i}] (${r})`);
    });
    return found.length > 0 ? found.join(", ") : "an address that is never handed out";
}

/** Blocks of `prefix` bits that overlap nothing `taken`, in address order, at most `limit`:
 *  the blocks in the gaps between the taken intervals, without testing every block. */
function freeBlockList(region: Region, taken: IntervalUnion, prefix: number, limit: number) {
    const out: string[] = [];
    const n = region.blockCount(prefix);
    const size = 2 ** (32 - prefix);
    let i = 0;
    // Block i is region.block(i, prefix), without an object per block.
    const lo = (k: number) => region.subnet.lo + k * size;
    const freeUpTo = (end: number) => {
        for (; i < n && out.length < limit && lo(i) + size - 1 < end; i++) {
            out.push(cidrOf(lo(i), prefix));
        }
    };
    for (const t of taken.intervals) {
        freeUpTo(t.lo);
        // Next: the first block that starts after t.
        i = Math.max(i, Math.floor((t.hi - region.subnet.lo) / size) + 1);
    }
    freeUpTo(Infinity);
    return out;
}

function suggestion(region: Region, taken: IntervalUnion, prefix: number): string {
    const free = freeBlockList(region, taken, prefix, 3);
    return free.length > 0
        ? ` (free: ${free.join(", ")})`
        : ` (no free /${prefix} block left; widen network.subnet)`;
}

/** Index pairs [i, j] (i < j) of overlapping intervals, sorted: a sweep over them by address. */
function overlappingPairs(blocks: readonly Interval[]): [number, number][] {
    const order = blocks.map((_, i) => i).sort((a, b) => blocks[a].lo - blocks[b].lo || a - b);
    const pairs: [number, number][] = [];
    for (let x = 0; x < order.length; x++) {
        const a = blocks[order[x]];
        for (let y = x + 1; y < order.length && blocks[order[y]].lo <= a.hi; y++) {
            pairs.push([Math.min(order[x], order[y]), Math.max(order[x], order[y])]);
        }
    }
    return pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
}

/** The command that pins every unpinned cluster of the stack to a free block. */
export function assignCommand(stack?: string): string {
    return `npm run ipam -- --stack ${stack ?? "<stack>"} --assign`;
}

function countFree(region: Region, blocks: IntervalUnion, vips: readonly number[]): number {
    const points = vips.map((v) => ({ lo: v, hi: v }));
    const taken = IntervalUnion.of([...region.forbidden, ...blocks.intervals, ...points]);
    return region.subnet.hi - region.subnet.lo + 1 - taken.sizeWithin(region.subnet);
}
