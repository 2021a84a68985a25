// Validates the region's `network` section: the node subnet, its gateway, nameservers and reserved
// ranges, and the size of the address block each cluster gets from the subnet.
import { Netmask } from "netmask";
import { parseRange } from "../ipPlan";
import { Checker } from "./checker";
import { NetworkConfig } from "./types";

/** Node subnet sizes: the plan enumerates the subnet's blocks, so it is bounded. */
export const MIN_SUBNET_PREFIX = 12;
export const MAX_SUBNET_PREFIX = 28;

const NETWORK_KEYS = [
    "subnet",
    "gateway",
    "nameservers",
    "searchDomains",
    "reserved",
    "clusterBlockPrefix",
] as const;

export function parseNetwork(c: Checker, v: unknown): NetworkConfig {
    const p = "network";
    const o = c.object(p, v, NETWORK_KEYS);
    const subnet = c.cidr(`${p}.subnet`, o.subnet);
    const gateway = c.ip(`${p}.gateway`, o.gateway);
    const nameservers = parseNameservers(c, `${p}.nameservers`, o.nameservers);
    const reserved = c
        .array(`${p}.reserved`, o.reserved, true)
        .map((x, i) => c.addressRange(`${p}.reserved[${i}]`, x));
    const prefix = subnet && c.ok(`${p}.subnet`) ? checkSubnet(c, p, subnet, gateway, reserved) : 0;
    const clusterBlockPrefix = c.integer(
        `${p}.clusterBlockPrefix`,
        o.clusterBlockPrefix,
        Math.max(prefix + 1, 16),
        29,
        Math.max(26, prefix + 1),
    );
    return {
        subnet,
        gateway,
        nameservers,
        searchDomains: c
            .array(`${p}.searchDomains`, o.searchDomains, true)
            .map((x, i) => c.string(`${p}.searchDomains[${i}]`, x)),
        reserved,
        clusterBlockPrefix,
    };
}

function parseNameservers(c: Checker, path: string, v: unknown): string[] {
    const nameservers = c.array(path, v).map((x, i) => c.ip(`${path}[${i}]`, x));
    if (Array.isArray(v) && (v.length === 0 || v.length > 3)) {
        c.fail(path, "needs 1 to 3 addresses (there is no DHCP to provide them)");
    }
    return nameservers;
}

/** Checks a valid CIDR as the node subnet, and the gateway and reserved ranges against it;
 *  returns its prefix length. */
function checkSubnet(
    c: Checker,
    p: string,
    subnet: string,
    gateway: string,
    reserved: readonly string[],
): number {
    const nm = new Netmask(subnet);
    const prefix = nm.bitmask;
    if (nm.base !== subnet.split("/")[0]) {
        c.fail(`${p}.subnet`, `${subnet} has host bits set; use ${nm.base}/${nm.bitmask}`);
    }
    if (prefix < MIN_SUBNET_PREFIX || prefix > MAX_SUBNET_PREFIX) {
        c.fail(
            `${p}.subnet`,
            `${subnet} is a /${prefix}; a node subnet must be a /${MIN_SUBNET_PREFIX} to ` +
                `/${MAX_SUBNET_PREFIX}, e.g. 10.20.0.0/20`,
        );
    }
    if (gateway && c.ok(`${p}.gateway`)) checkGateway(c, `${p}.gateway`, nm, subnet, gateway);
    checkReservedInSubnet(c, p, subnet, reserved);
    return prefix;
}

/** The nodes' default route: a host address of the subnet. */
function checkGateway(c: Checker, path: string, nm: Netmask, subnet: string, gateway: string) {
    if (!nm.contains(gateway)) {
        c.fail(
            path,
            `${gateway} is outside the subnet ${subnet}, so the nodes could not reach it; ` +
                `use the router address of ${nm.base}/${nm.bitmask} (often ${nm.first})`,
        );
    } else if (gateway === nm.base || gateway === nm.broadcast) {
        c.fail(
            path,
            `${gateway} is the ${gateway === nm.base ? "network" : "broadcast"} address of ` +
                `${subnet}, which no host can use; use the router's address (often ${nm.first})`,
        );
    }
}

/** A reserved range outside the subnet is a typo: those addresses are never handed out anyway. */
function checkReservedInSubnet(c: Checker, p: string, subnet: string, reserved: readonly string[]) {
    reserved.forEach((r, i) => {
        if (!c.ok(`${p}.reserved[${i}]`)) return;
        const { lo, hi } = parseRange(r);
        const s = parseRange(subnet);
        if (lo < s.lo || hi > s.hi) {
            c.fail(
                `${p}.reserved[${i}]`,
                `${r} is not inside the subnet ${subnet}; remove it or correct it (addresses ` +
                    `outside the subnet are never handed out anyway)`,
            );
        }
    });
}
