// The region's static-IP plan, checked across the whole stack: node pools inside the region
// subnet, no two pools sharing an address (the in-cluster IPAM provider does not check this), and
// each control-plane VIP unique and outside every pool (CAPV does not allocate the VIP).
import { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
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

function readPool(r: PolicyResource, report: (m: string, urn?: string) => void): Pool | undefined {
    const cluster = readKnown(() => label(r.props, labels.clusterName));
    const what =
        `InClusterIPPool ${namespacedName(r.props)}` +
        (cluster.known && cluster.value ? ` (cluster ${cluster.value})` : "");
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
        report(`${what}: ${unknownAtPreview("the pool spec", spec.path)}`, r.urn);
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
        report(
            `${what}: spec.gateway must be an IPv4 address and spec.prefix an integer 1..32.`,
            r.urn,
        );
        return undefined;
    }
    if (!Array.isArray(addresses) || addresses.length === 0) {
        report(`${what}: spec.addresses must list at least one address, range or CIDR.`, r.urn);
        return undefined;
    }
    const net = networkOf(gw, prefix as number);
    const parse = (field: string, v: unknown): Interval | undefined => {
        const i = typeof v === "string" ? parseAddressSpec(v) : undefined;
        if (!i) {
            report(
                `${what}: ${field} entry ${JSON.stringify(v)} is not an IPv4 address, "a-b" range or CIDR.`,
                r.urn,
            );
        }
        return i;
    };
    const ranges = addresses.map((a) => parse("spec.addresses", a));
    const excludes = Array.isArray(excluded)
        ? excluded.map((a) => parse("spec.excludedAddresses", a))
        : [];
    if (ranges.some((i) => !i) || excludes.some((i) => !i)) {
        return undefined;
    }
    for (const i of ranges as Interval[]) {
        if (!contains(net, i)) {
            report(
                `${what}: addresses ${formatInterval(i)} lie outside the pool's own subnet ` +
                    `${cidrOf(net)} (spec.gateway/spec.prefix).`,
                r.urn,
            );
        }
    }
    // The provider never hands out the gateway, nor the network and broadcast addresses.
    const reserved = [
        { lo: gw, hi: gw },
        { lo: net.lo, hi: net.lo },
        { lo: net.hi, hi: net.hi },
    ];
    const allocatable = subtract(ranges as Interval[], [...(excludes as Interval[]), ...reserved]);
    return { urn: r.urn, what, net, gateway: gw, allocatable };
}

export const ipAddressPlan: StackValidationPolicy = {
    name,
    description:
        "InClusterIPPools lie inside the region subnet and never overlap; every control-plane VIP is unique and outside every pool.",
    severity: "critical",
    configSchema,
    validateStack: (args, report) => {
        const cfg = readConfig<IpAddressPlanConfig>(name, configSchema, args.getConfig());
        const configured = cfg.subnets.map((s) => {
            const i = parseCidr(s);
            if (!i) {
                throw new Error(
                    `policy "${name}": config "subnets" entry "${s}" is not a valid CIDR`,
                );
            }
            return i;
        });
        const pools = args.resources
            .filter((r) => r.type === types.InClusterIPPool)
            .map((r) => readPool(r, report))
            .filter((p): p is Pool => p !== undefined);

        // Region subnet(s): configured, or the one all pools agree on.
        const same = (a: Interval, b: Interval) => a.lo === b.lo && a.hi === b.hi;
        let regionNets: Interval[] = configured;
        if (configured.length > 0) {
            for (const p of pools.filter((p) => !configured.some((n) => same(n, p.net)))) {
                report(
                    `${p.what}: its subnet ${cidrOf(p.net)} (spec.gateway/spec.prefix) is not the ` +
                        `region subnet (${cfg.subnets.join(", ")}).`,
                    p.urn,
                );
            }
        } else {
            regionNets = pools
                .map((p) => p.net)
                .filter((n, i, all) => all.findIndex((m) => same(m, n)) === i);
            if (regionNets.length > 1) {
                report(
                    `Pools disagree on the region subnet: ` +
                        regionNets
                            .map(
                                (n) =>
                                    `${cidrOf(n)} (${pools
                                        .filter((p) => same(p.net, n))
                                        .map((p) => p.what)
                                        .join(", ")})`,
                            )
                            .join(" vs ") +
                        `. All pools of a region share its subnet; set "subnets" in the policy config ` +
                        `only if the region really has several.`,
                );
            }
        }

        // No address in two pools.
        pools.forEach((a, i) => {
            for (const b of pools.slice(i + 1)) {
                const shared = a.allocatable.flatMap((x) =>
                    b.allocatable.map((y) => overlap(x, y)),
                );
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

        // VIPs: IPv4, inside the region subnet, unique, outside every pool, not a gateway.
        const seen = new Map<number, string>();
        for (const r of args.resources.filter((r) => r.type === types.VSphereCluster)) {
            const what = `VSphereCluster ${namespacedName(r.props)}`;
            const host = readKnown(() => r.props.spec?.controlPlaneEndpoint?.host as unknown);
            if (!host.known) {
                report(`${what}: ${unknownAtPreview("the control-plane VIP", host.path)}`, r.urn);
                continue;
            }
            const vip = typeof host.value === "string" ? parseIp(host.value) : undefined;
            if (vip === undefined) {
                report(
                    `${what}: spec.controlPlaneEndpoint.host must be the cluster's IPv4 VIP from the IP plan.`,
                    r.urn,
                );
                continue;
            }
            const ip = formatIp(vip);
            const net = regionNets.find((n) => contains(n, { lo: vip, hi: vip }));
            if (regionNets.length > 0 && !net) {
                report(
                    `${what}: VIP ${ip} is outside the region subnet (${regionNets.map(cidrOf).join(", ")}).`,
                    r.urn,
                );
            } else if (net && (vip === net.lo || vip === net.hi)) {
                report(
                    `${what}: VIP ${ip} is the network or broadcast address of ${cidrOf(net)}.`,
                    r.urn,
                );
            }
            const owner = seen.get(vip);
            if (owner) {
                report(
                    `${what}: VIP ${ip} is also the VIP of ${owner}; every cluster needs its own.`,
                    r.urn,
                );
            } else {
                seen.set(vip, what);
            }
            for (const p of pools) {
                if (p.gateway === vip) {
                    report(`${what}: VIP ${ip} is the gateway of ${p.what}.`, r.urn);
                }
                if (p.allocatable.some((i) => contains(i, { lo: vip, hi: vip }))) {
                    report(
                        `${what}: VIP ${ip} lies inside ${p.what}; IPAM could hand it to a node. ` +
                            `Keep the VIP outside every pool (or list it in excludedAddresses).`,
                        r.urn,
                    );
                }
            }
        }
    },
};

export const networkPolicies = [ipAddressPlan];
