// The region's static-IP plan, checked across the whole stack: node pools inside the region
// subnet, no two pools sharing an address (the in-cluster IPAM provider does not check this), and
// each control-plane VIP unique and outside every pool (CAPV does not allocate the VIP).
import {
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationPolicy,
} from "@pulumi/policy";
import { labels, types } from "../../components/constants";
import { readConfig } from "../lib/config";
import { label, namespacedName } from "../lib/k8s";
import {
    Interval,
    contains,
    formatInterval,
    formatIp,
    networkOf,
    overlap,
    parseAddressSpec,
    parseCidr,
    parseIp,
    subtract,
} from "../lib/ipv4";
import { readKnown, unknownAtPreview } from "../lib/known";

export interface IpAddressPlanConfig {
    readonly subnets: readonly string[];
}

const name = "ip-address-plan";

const configSchema: PolicyConfigSchema = {
    properties: {
        subnets: {
            type: "array",
            items: { type: "string", pattern: "^\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}$" },
            default: [],
            description:
                "The region's node subnet(s) as CIDRs. Empty: taken from the pools' gateway/prefix, " +
                "which must then agree on one subnet.",
        },
    },
};

interface Pool {
    readonly urn: string;
    readonly what: string;
    readonly net: Interval;
    readonly gateway: number;
    /** Addresses the IPAM provider may hand out. */
    readonly allocatable: readonly Interval[];
}

const cidrOf = (i: Interval) => `${formatIp(i.lo)}/${32 - Math.log2(i.hi - i.lo + 1)}`;

/** Reports one finding; the caller has bound the resource's URN (or none). */
type Say = (message: string) => void;

const sameInterval = (a: Interval, b: Interval) => a.lo === b.lo && a.hi === b.hi;

/** How findings name a pool: its kind and name, and its cluster when the label is known. */
function poolName(r: PolicyResource): string {
    const cluster = readKnown(() => label(r.props, labels.clusterName));
    return (
        `InClusterIPPool ${namespacedName(r.props)}` +
        (cluster.known && cluster.value ? ` (cluster ${cluster.value})` : "")
    );
}

interface PoolSpec {
    readonly addresses: readonly unknown[];
    readonly excluded: unknown;
    readonly gateway: number;
    readonly prefix: number;
}

/** The spec's gateway, prefix and address lists; undefined (and said) when unusable. */
function readPoolSpec(r: PolicyResource, what: string, say: Say): PoolSpec | undefined {
    const spec = readKnown(() => {
        const s = r.props.spec;
        const list = (v: unknown) => (Array.isArray(v) ? v.map((e) => e as unknown) : v);
        return {
            addresses: list(s?.addresses),
            excluded: list(s?.excludedAddresses ?? []),
            prefix: s?.prefix as unknown,
            gateway: s?.gateway as unknown,
        };
    });
    if (!spec.known) {
        say(`${what}: ${unknownAtPreview("the pool spec", spec.path)}`);
        return undefined;
    }
    const { addresses, excluded, prefix, gateway } = spec.value;
    const gw = typeof gateway === "string" ? parseIp(gateway) : undefined;
    if (
        gw === undefined ||
        !Number.isInteger(prefix) ||
        (prefix as number) < 1 ||
        (prefix as number) > 32
    ) {
        say(`${what}: spec.gateway must be an IPv4 address and spec.prefix an integer 1..32.`);
        return undefined;
    }
    if (!Array.isArray(addresses) || addresses.length === 0) {
        say(`${what}: spec.addresses must list at least one address, range or CIDR.`);
        return undefined;
    }
    return { addresses, excluded, gateway: gw, prefix: prefix as number };
}

/** Every entry of `field` as an interval; undefined when any is not one (each bad one said). */
function parseEntries(
    field: string,
    entries: readonly unknown[],
    what: string,
    say: Say,
): Interval[] | undefined {
    const parsed = entries.map((v) => {
        const i = typeof v === "string" ? parseAddressSpec(v) : undefined;
        if (!i) {
            say(
                `${what}: ${field} entry ${JSON.stringify(v)} is not an IPv4 address, "a-b" range or CIDR.`,
            );
        }
        return i;
    });
    return parsed.every((i) => i !== undefined) ? parsed : undefined;
}

function readPool(r: PolicyResource, report: (m: string, urn?: string) => void): Pool | undefined {
    const say: Say = (m) => report(m, r.urn);
    const what = poolName(r);
    const spec = readPoolSpec(r, what, say);
    if (!spec) {
        return undefined;
    }
    const net = networkOf(spec.gateway, spec.prefix);
    const ranges = parseEntries("spec.addresses", spec.addresses, what, say);
    const excludes = Array.isArray(spec.excluded)
        ? parseEntries("spec.excludedAddresses", spec.excluded, what, say)
        : [];
    if (!ranges || !excludes) {
        return undefined;
    }
    for (const i of ranges) {
        if (!contains(net, i)) {
            say(
                `${what}: addresses ${formatInterval(i)} lie outside the pool's own subnet ` +
                    `${cidrOf(net)} (spec.gateway/spec.prefix).`,
            );
        }
    }
    // The provider never hands out the gateway, nor the network and broadcast addresses.
    const gw = spec.gateway;
    const reserved = [
        { lo: gw, hi: gw },
        { lo: net.lo, hi: net.lo },
        { lo: net.hi, hi: net.hi },
    ];
    const allocatable = subtract(ranges, [...excludes, ...reserved]);
    return { urn: r.urn, what, net, gateway: gw, allocatable };
}

/** The configured region subnets; a bad entry is a config error, not a finding. */
function configuredSubnets(cfg: IpAddressPlanConfig): Interval[] {
    return cfg.subnets.map((s) => {
        const i = parseCidr(s);
        if (!i) {
            throw new Error(`policy "${name}": config "subnets" entry "${s}" is not a valid CIDR`);
        }
        return i;
    });
}

/** Region subnet(s): the configured ones, which every pool must be on, else the pools' own. */
function regionSubnets(
    cfg: IpAddressPlanConfig,
    configured: Interval[],
    pools: readonly Pool[],
    report: ReportViolation,
): Interval[] {
    if (configured.length > 0) {
        for (const p of pools.filter((p) => !configured.some((n) => sameInterval(n, p.net)))) {
            report(
                `${p.what}: its subnet ${cidrOf(p.net)} (spec.gateway/spec.prefix) is not the ` +
                    `region subnet (${cfg.subnets.join(", ")}).`,
                p.urn,
            );
        }
        return configured;
    }
    const nets = pools
        .map((p) => p.net)
        .filter((n, i, all) => all.findIndex((m) => sameInterval(m, n)) === i);
    if (nets.length > 1) {
        const onNet = (n: Interval) =>
            pools
                .filter((p) => sameInterval(p.net, n))
                .map((p) => p.what)
                .join(", ");
        report(
            `Pools disagree on the region subnet: ` +
                nets.map((n) => `${cidrOf(n)} (${onNet(n)})`).join(" vs ") +
                `. All pools of a region share its subnet; set "subnets" in the policy config ` +
                `only if the region really has several.`,
        );
    }
    return nets;
}

/** No address in two pools: the IPAM provider would hand it to two machines. */
function checkPoolOverlaps(pools: readonly Pool[], report: ReportViolation): void {
    pools.forEach((a, i) => {
        for (const b of pools.slice(i + 1)) {
            const shared = a.allocatable.flatMap((x) => b.allocatable.map((y) => overlap(x, y)));
            const hits = shared.filter((o): o is Interval => o !== undefined);
            if (hits.length > 0) {
                report(
                    `${b.what} overlaps ${a.what} at ${hits.map(formatInterval).join(", ")}; two ` +
                        `machines would get the same address. Give each cluster its own block.`,
                    b.urn,
                );
            }
        }
    });
}

/** The cluster's control-plane VIP; undefined (and said) when unknown or not IPv4. */
function readVip(r: PolicyResource, what: string, say: Say): number | undefined {
    const host = readKnown(() => r.props.spec?.controlPlaneEndpoint?.host as unknown);
    if (!host.known) {
        say(`${what}: ${unknownAtPreview("the control-plane VIP", host.path)}`);
        return undefined;
    }
    const vip = typeof host.value === "string" ? parseIp(host.value) : undefined;
    if (vip === undefined) {
        say(
            `${what}: spec.controlPlaneEndpoint.host must be the cluster's IPv4 VIP from the IP plan.`,
        );
    }
    return vip;
}

/** A VIP lies inside a region subnet and is neither its network nor its broadcast address. */
function checkVipInSubnet(vip: number, what: string, regionNets: Interval[], say: Say): void {
    const ip = formatIp(vip);
    const net = regionNets.find((n) => contains(n, { lo: vip, hi: vip }));
    if (regionNets.length > 0 && !net) {
        say(
            `${what}: VIP ${ip} is outside the region subnet (${regionNets.map(cidrOf).join(", ")}).`,
        );
    } else if (net && (vip === net.lo || vip === net.hi)) {
        say(`${what}: VIP ${ip} is the network or broadcast address of ${cidrOf(net)}.`);
    }
}

/** A VIP is no pool's gateway, and no pool may hand it to a node. */
function checkVipOutsidePools(vip: number, what: string, pools: readonly Pool[], say: Say): void {
    const ip = formatIp(vip);
    for (const p of pools) {
        if (p.gateway === vip) {
            say(`${what}: VIP ${ip} is the gateway of ${p.what}.`);
        }
        if (p.allocatable.some((i) => contains(i, { lo: vip, hi: vip }))) {
            say(
                `${what}: VIP ${ip} lies inside ${p.what}; IPAM could hand it to a node. ` +
                    `Keep the VIP outside every pool (or list it in excludedAddresses).`,
            );
        }
    }
}

/** VIPs: IPv4, inside the region subnet, unique, outside every pool, not a gateway. */
function checkVips(
    clusters: readonly PolicyResource[],
    pools: readonly Pool[],
    regionNets: Interval[],
    report: ReportViolation,
): void {
    const seen = new Map<number, string>();
    for (const r of clusters) {
        const say: Say = (m) => report(m, r.urn);
        const what = `VSphereCluster ${namespacedName(r.props)}`;
        const vip = readVip(r, what, say);
        if (vip === undefined) {
            continue;
        }
        checkVipInSubnet(vip, what, regionNets, say);
        const owner = seen.get(vip);
        if (owner) {
            say(
                `${what}: VIP ${formatIp(vip)} is also the VIP of ${owner}; every cluster needs its own.`,
            );
        } else {
            seen.set(vip, what);
        }
        checkVipOutsidePools(vip, what, pools, say);
    }
}

export const ipAddressPlan: StackValidationPolicy = {
    name,
    description:
        "InClusterIPPools lie inside the region subnet and never overlap; every control-plane VIP is unique and outside every pool.",
    severity: "critical",
    configSchema,
    validateStack: (args, report) => {
        const cfg = readConfig<IpAddressPlanConfig>(name, configSchema, args.getConfig());
        const configured = configuredSubnets(cfg);
        const pools = args.resources
            .filter((r) => r.type === types.InClusterIPPool)
            .map((r) => readPool(r, report))
            .filter((p): p is Pool => p !== undefined);
        const regionNets = regionSubnets(cfg, configured, pools, report);
        checkPoolOverlaps(pools, report);
        checkVips(
            args.resources.filter((r) => r.type === types.VSphereCluster),
            pools,
            regionNets,
            report,
        );
    },
};

export const networkPolicies = [ipAddressPlan];
