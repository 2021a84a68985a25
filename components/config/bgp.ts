// Validates the region's `bgp` section: the routers the clusters peer with (name, address, AS
// number and optional SSH access), each with its own name and address.
import { MAX_BGP_PEERS } from "../argocd/clusterConfigApp";
import { Checker } from "./checker";
import { BgpConfig, BgpRouterConfig } from "./types";

/** AS_TRANS: a placeholder in 2-byte BGP, never a real AS. */
const AS_TRANS = 23456;

export function parseBgp(c: Checker, v: unknown): BgpConfig {
    const o = c.object("bgp", v, ["routers"]);
    const routers = c
        .array("bgp.routers", o.routers)
        .map((r, i) => parseRouter(c, `bgp.routers[${i}]`, r));
    if (Array.isArray(o.routers) && o.routers.length === 0) {
        c.fail(
            "bgp.routers",
            "needs at least one router: without peers the pod network is not routed",
        );
    }
    if (routers.length > MAX_BGP_PEERS) {
        c.fail(
            "bgp.routers",
            `has ${routers.length} routers; cluster-config/ has ${MAX_BGP_PEERS} BGPPeer slots ` +
                `(add slots in cluster-config/calico and raise MAX_BGP_PEERS)`,
        );
    }
    checkUniqueRouters(c, routers);
    return { routers };
}

function parseRouter(c: Checker, p: string, r: unknown): BgpRouterConfig {
    const ro = c.object(p, r, ["name", "address", "asNumber", "ssh"]);
    const ssh = ro.ssh === undefined ? undefined : parseRouterSsh(c, `${p}.ssh`, ro.ssh);
    const asNumber = c.integer(`${p}.asNumber`, ro.asNumber, 1, 4294967294);
    if (asNumber === AS_TRANS && c.ok(`${p}.asNumber`)) {
        c.fail(
            `${p}.asNumber`,
            `${AS_TRANS} is AS_TRANS (RFC 6793), reserved for 2-byte BGP speakers; use the ` +
                `router's real AS number`,
        );
    }
    return {
        name: c.dnsLabel(`${p}.name`, ro.name, 63),
        address: c.ip(`${p}.address`, ro.address),
        asNumber,
        ssh,
    };
}

/** SSH access to a router; its host key is required so that its identity is verified. */
function parseRouterSsh(c: Checker, p: string, v: unknown): BgpRouterConfig["ssh"] {
    const so = c.object(p, v, ["host", "port", "user", "hostKey"]);
    const hostKey = c.optionalString(`${p}.hostKey`, so.hostKey);
    if (hostKey === undefined) {
        c.fail(
            `${p}.hostKey`,
            "is required with ssh: the router's host public key (ssh-keyscan <host>), so its identity is verified",
        );
    }
    if (hostKey && !/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+$/.test(hostKey)) {
        c.fail(
            `${p}.hostKey`,
            'must be the router\'s host public key ("ssh-ed25519 AAAA…", from ssh-keyscan)',
        );
    }
    return {
        host: c.string(`${p}.host`, so.host),
        port: c.integer(`${p}.port`, so.port, 1, 65535, 22),
        user: c.string(`${p}.user`, so.user),
        ...(hostKey ? { hostKey } : {}),
    };
}

/** Each router needs its own name and peer address. */
function checkUniqueRouters(c: Checker, routers: readonly BgpRouterConfig[]): void {
    const names = new Map<string, number>();
    const addresses = new Map<string, number>();
    routers.forEach((r, i) => {
        const sameName = names.get(r.name);
        if (r.name && sameName !== undefined) {
            c.fail(
                `bgp.routers[${i}].name`,
                `duplicate router name "${r.name}" (also bgp.routers[${sameName}]); give each ` +
                    `router its own name`,
            );
        }
        if (r.name && sameName === undefined) names.set(r.name, i);
        const sameAddress = addresses.get(r.address);
        if (r.address && c.ok(`bgp.routers[${i}].address`) && sameAddress !== undefined) {
            c.fail(
                `bgp.routers[${i}].address`,
                `${r.address} is also the address of bgp.routers[${sameAddress}]; each router ` +
                    `needs its own peer address (remove the duplicate entry or correct the address)`,
            );
        }
        if (r.address && sameAddress === undefined) addresses.set(r.address, i);
    });
}
