// The router side of a cluster's BGP peering: each ToR router (FRR) accepts BGP sessions from any
// address of the cluster's address block (a dynamic-neighbour "listen range"), because node IPs
// come from the IPAM pool and change on every rollout. Commands run over SSH with
// @pulumi/command's remote.Command, only for routers that have `ssh` configured.
//
// Router config per cluster (peer group `fleet-<region>-<cluster>`):
//   ip prefix-list <pg>-pods seq 5 permit <podCidr> le 32    accept only this cluster's pod routes
//   route-map <pg>-in permit 10 / match ip address prefix-list <pg>-pods
//   route-map <pg>-out deny 10                                send nothing back to the nodes
//   router bgp <router AS>
//    neighbor <pg> peer-group / neighbor <pg> remote-as <cluster AS>
//    bgp listen range <block> peer-group <pg>
//    address-family ipv4 unicast / neighbor <pg> activate / route-map in+out
// Explicit in/out policies also satisfy FRR's default `bgp ebgp-requires-policy`.
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { Netmask } from "netmask";
import { DNS1123_LABEL, isCidr, isIpv4 } from "../config/checker";
import { types } from "../constants";
import { BgpRouterConfig, ClusterConfig, ClusterIpPlan, RegionConfig } from "../config/types";

// Command words of the vtysh invocation, e.g. "vtysh" or "sudo -n /usr/bin/vtysh".
const COMMAND_WORDS = /^[A-Za-z0-9_./-]+( [A-Za-z0-9_./-]+)*$/;

/** Throws unless `value` is a dotted-quad IPv4 address. */
export function assertIpv4(field: string, value: string): string {
    if (typeof value !== "string" || !isIpv4(value)) {
        throw new Error(`${field}: "${String(value)}" is not an IPv4 address (e.g. "10.20.0.2")`);
    }
    return value;
}

/** Throws unless `value` is an IPv4 CIDR whose address is the network address ("10.20.4.0/26"). */
export function assertCidr(field: string, value: string): string {
    if (typeof value !== "string" || !isCidr(value)) {
        throw new Error(`${field}: "${String(value)}" is not an IPv4 CIDR (e.g. "10.20.4.0/26")`);
    }
    const [ip, bits] = value.split("/");
    const base = new Netmask(value).base;
    if (base !== ip) {
        throw new Error(`${field}: "${value}" has host bits set; write it as "${base}/${bits}"`);
    }
    return value;
}

/** Throws unless `value` is a 4-byte BGP AS number (1..4294967295, not the reserved 23456). */
export function assertAsNumber(field: string, value: number): number {
    if (!Number.isInteger(value) || value < 1 || value > 4294967295 || value === 23456) {
        throw new Error(
            `${field}: ${String(value)} is not a usable BGP AS number (an integer 1..4294967295; ` +
                `private ranges are 64512-65534 and 4200000000-4294967294)`,
        );
    }
    return value;
}

/** Throws unless `value` is a DNS-1123 label (lowercase letters, digits, '-'). */
export function assertName(field: string, value: string): string {
    if (typeof value !== "string" || !DNS1123_LABEL.test(value) || value.length > 63) {
        throw new Error(
            `${field}: "${String(value)}" must be a DNS-1123 label (lowercase letters, digits and ` +
                `'-', at most 63 characters, starting and ending alphanumeric)`,
        );
    }
    return value;
}

/** POSIX single-quoting; inputs are validated first, this is defence in depth. */
export function shellQuote(s: string): string {
    return `'${s.split("'").join(`'"'"'`)}'`;
}

/** Everything one router needs to accept one cluster. */
export interface ListenRangeSpec {
    /** The router's own AS (`router bgp <n>`); must match what the router already runs. */
    readonly routerAsNumber: number;
    /** FRR peer-group name for this cluster. */
    readonly peerGroup: string;
    /** The cluster's address block: every node address comes from it. */
    readonly listenRange: string;
    /** The cluster's AS (Calico BGPConfiguration.spec.asNumber). */
    readonly remoteAs: number;
    /** Pod CIDR: the only prefixes accepted from the cluster. */
    readonly podCidr: string;
    /** vtysh invocation; "vtysh" unless the router needs e.g. "sudo -n vtysh". */
    readonly vtysh: string;
}

/** FRR peer-group of a cluster; region-qualified so routers shared by regions never collide. */
export function peerGroupName(region: string, cluster: string): string {
    return `fleet-${assertName("region", region)}-${assertName("cluster name", cluster)}`;
}

/** The listen-range spec for one router and one cluster, validated. */
export function listenRangeSpec(
    region: RegionConfig,
    router: BgpRouterConfig,
    cluster: ClusterConfig,
    plan: ClusterIpPlan,
    vtysh = "vtysh",
): ListenRangeSpec {
    const where = `bgp.routers[${router.name}]`;
    const spec: ListenRangeSpec = {
        routerAsNumber: assertAsNumber(`${where}.asNumber`, router.asNumber),
        peerGroup: peerGroupName(region.region, cluster.name),
        listenRange: assertCidr(`IP plan of cluster ${cluster.name}: block`, plan.block),
        remoteAs: assertAsNumber(`clusters[${cluster.name}].bgp.asNumber`, cluster.bgp.asNumber),
        podCidr: assertCidr(`clusters[${cluster.name}].podCidr`, cluster.podCidr),
        vtysh,
    };
    return validateSpec(spec);
}

function validateSpec(spec: ListenRangeSpec): ListenRangeSpec {
    assertAsNumber("routerAsNumber", spec.routerAsNumber);
    assertAsNumber("remoteAs", spec.remoteAs);
    assertCidr("listenRange", spec.listenRange);
    assertCidr("podCidr", spec.podCidr);
    if (!/^fleet-[a-z0-9-]+$/.test(spec.peerGroup) || spec.peerGroup.length > 140) {
        throw new Error(
            `peerGroup: "${spec.peerGroup}" is not a peer-group name from peerGroupName()`,
        );
    }
    if (spec.routerAsNumber === spec.remoteAs) {
        throw new Error(
            `cluster AS ${spec.remoteAs} equals the router AS: the peering is eBGP, give the cluster ` +
                `its own private AS (clusters[].bgp.asNumber, e.g. 64512+)`,
        );
    }
    if (!COMMAND_WORDS.test(spec.vtysh)) {
        throw new Error(
            `vtysh: "${spec.vtysh}" must be plain command words (letters, digits, '_', '.', '/', '-')`,
        );
    }
    return spec;
}

function names(spec: ListenRangeSpec) {
    const pg = spec.peerGroup;
    return {
        pg,
        prefixList: `${pg}-pods`,
        routeMapIn: `${pg}-in`,
        routeMapOut: `${pg}-out`,
        prefixLine: `ip prefix-list ${pg}-pods seq 5 permit ${spec.podCidr} le 32`,
        listenLine: `bgp listen range ${spec.listenRange} peer-group ${pg}`,
    };
}

function vtyshCall(vtysh: string, lines: readonly string[]): string {
    return [vtysh, ...lines.map((l) => `-c ${shellQuote(l)}`)].join(" ");
}

/**
 * Shell script that makes the router accept the cluster. Idempotent: every FRR command used
 * re-applies cleanly (re-adding an existing peer-group, range, prefix-list entry or route-map
 * entry is a no-op), and `write memory` persists the result. Fails (non-zero) if vtysh rejects a
 * command, e.g. when the router runs BGP under a different AS.
 */
export function listenRangeCreateCommand(input: ListenRangeSpec): string {
    const spec = validateSpec(input);
    const n = names(spec);
    const lines = [
        "configure terminal",
        n.prefixLine,
        `route-map ${n.routeMapIn} permit 10`,
        `match ip address prefix-list ${n.prefixList}`,
        "exit",
        `route-map ${n.routeMapOut} deny 10`,
        "exit",
        `router bgp ${spec.routerAsNumber}`,
        `neighbor ${n.pg} peer-group`,
        `neighbor ${n.pg} remote-as ${spec.remoteAs}`,
        n.listenLine,
        "address-family ipv4 unicast",
        `neighbor ${n.pg} activate`,
        `neighbor ${n.pg} route-map ${n.routeMapIn} in`,
        `neighbor ${n.pg} route-map ${n.routeMapOut} out`,
        "exit-address-family",
        "end",
        "write memory",
    ];
    return ["set -eu", vtyshCall(spec.vtysh, lines)].join("\n") + "\n";
}

/**
 * Shell script that removes what the create script added. Idempotent: it reads the running
 * config first and only issues `no ...` for lines that exist, because FRR rejects removing a
 * peer-group, range or route-map that is not there. Runs nothing when all is gone already.
 */
export function listenRangeDeleteCommand(input: ListenRangeSpec): string {
    const spec = validateSpec(input);
    const n = names(spec);
    const q = shellQuote;
    const add = (...lines: string[]) => `set -- "$@" ${lines.map((l) => `-c ${q(l)}`).join(" ")}`;
    return (
        [
            "set -eu",
            `cfg=$(${spec.vtysh} -c 'show running-config')`,
            // Exact match on a config line, ignoring indentation; no regex, so CIDR dots are literal.
            `has() { printf '%s\\n' "$cfg" | awk -v want="$1" '{ sub(/^[ \\t]+/, "") } $0 == want { f = 1 } END { exit !f }'; }`,
            "set --",
            `if has ${q(n.listenLine)}; then`,
            `  ${add(`router bgp ${spec.routerAsNumber}`, `no ${n.listenLine}`, "exit")}`,
            "fi",
            `if has ${q(`neighbor ${n.pg} peer-group`)}; then`,
            `  ${add(`router bgp ${spec.routerAsNumber}`, `no neighbor ${n.pg} peer-group`, "exit")}`,
            "fi",
            `if has ${q(`route-map ${n.routeMapIn} permit 10`)}; then`,
            `  ${add(`no route-map ${n.routeMapIn}`)}`,
            "fi",
            `if has ${q(`route-map ${n.routeMapOut} deny 10`)}; then`,
            `  ${add(`no route-map ${n.routeMapOut}`)}`,
            "fi",
            `if has ${q(n.prefixLine)}; then`,
            `  ${add(`no ip prefix-list ${n.prefixList}`)}`,
            "fi",
            'if [ "$#" -gt 0 ]; then',
            `  ${spec.vtysh} -c 'configure terminal' "$@" -c 'end' -c 'write memory'`,
            "fi",
        ].join("\n") + "\n"
    );
}

export interface BgpListenRangeArgs {
    /** The region (routers, region name). Plain config: known at preview. */
    readonly region: RegionConfig;
    readonly cluster: ClusterConfig;
    readonly plan: ClusterIpPlan;
    /** PEM private key of the routers' SSH user. Kept secret. */
    readonly privateKey: pulumi.Input<string>;
    /** Expected SSH host key per router name; without one the host key is not verified (warned). */
    readonly hostKeys?: Readonly<Record<string, pulumi.Input<string>>>;
    /** vtysh invocation on the routers (default "vtysh"; the user needs the frrvty group). */
    readonly vtysh?: string;
}

type RouterSsh = NonNullable<BgpRouterConfig["ssh"]>;

/** Throws on a router the component cannot configure: a bad name, a repeat, a bad SSH port. */
function checkManagedRouter(router: BgpRouterConfig, ssh: RouterSsh, seen: Set<string>): void {
    assertName("bgp.routers[].name", router.name);
    if (seen.has(router.name)) {
        throw new Error(`bgp.routers: router name "${router.name}" appears twice`);
    }
    seen.add(router.name);
    if (!Number.isInteger(ssh.port) || ssh.port < 1 || ssh.port > 65535) {
        throw new Error(`bgp.routers[${router.name}].ssh.port: ${ssh.port} is not a TCP port`);
    }
}

/**
 * One remote.Command per region router that has `ssh` set, adding the cluster's listen range on
 * create and removing it on delete. Routers without `ssh` are left alone (configured by hand).
 */
export class BgpListenRange extends pulumi.ComponentResource {
    /** Names of the routers this component configures. */
    public readonly routers: string[];
    /** The listen-range command per router name (for dependsOn). */
    public readonly commands: Record<string, remote.Command> = {};

    constructor(name: string, args: BgpListenRangeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Only non-secret identifiers go to super(): component args are recorded as inputs.
        super(types.BgpListenRange, name, { cluster: args.cluster.name }, opts);
        const managed = args.region.bgp.routers.flatMap((r) =>
            r.ssh ? [{ router: r, ssh: r.ssh }] : [],
        );
        this.routers = managed.map((m) => m.router.name);
        const seen = new Set<string>();
        for (const { router, ssh } of managed) {
            checkManagedRouter(router, ssh, seen);
            this.commands[router.name] = this.routerCommand(name, args, router, ssh);
        }
        this.registerOutputs({ routers: this.routers });
    }

    /** The router's listen-range command: added on create, removed on delete. */
    private routerCommand(
        name: string,
        args: BgpListenRangeArgs,
        router: BgpRouterConfig,
        ssh: RouterSsh,
    ): remote.Command {
        const spec = listenRangeSpec(args.region, router, args.cluster, args.plan, args.vtysh);
        const hostKey = args.hostKeys?.[router.name];
        if (hostKey === undefined) {
            pulumi.log.warn(
                `router ${router.name}: no SSH host key given, the router's identity is not ` +
                    `verified; pass hostKeys["${router.name}"] to BgpListenRange`,
                this,
            );
        }
        return new remote.Command(
            `${name}-${router.name}`,
            {
                connection: {
                    host: ssh.host,
                    port: ssh.port,
                    user: ssh.user,
                    privateKey: pulumi.secret(args.privateKey),
                    ...(hostKey === undefined ? {} : { hostKey }),
                },
                create: listenRangeCreateCommand(spec),
                delete: listenRangeDeleteCommand(spec),
                // Any change means: remove the old range, then add the new one (see opts).
                triggers: [
                    ssh.host,
                    spec.routerAsNumber,
                    spec.peerGroup,
                    spec.listenRange,
                    spec.remoteAs,
                    spec.podCidr,
                ],
                addPreviousOutputInEnv: false,
            },
            // Old delete before new create: both touch the same peer-group.
            { parent: this, deleteBeforeReplace: true },
        );
    }
}
