// Validates the region's `clusters` section, one entry at a time: the cluster's name and
// Kubernetes version, its control plane and worker pools, its address block and VIP, its pod and
// service networks, its BGP AS number and labels. Checks across clusters are in clusterSet.ts.
import { Interval } from "../intervals";
import { long2ip, parseCidr } from "../ipPlan";
import { RESERVED_CLUSTER_SECRET_LABELS } from "../argocd/clusterSecret";
import { ClusterRanges } from "./regionChecks";
import { Checker, LABEL_KEY, LABEL_VALUE, notCidr } from "./checker";
import {
    SUPPORTED_KUBERNETES_MINORS,
    minorOf,
    parseKubernetesVersion,
    skewProblem,
} from "./kubernetesVersion";
import {
    ClusterConfig,
    ControlPlaneConfig,
    Environment,
    MachineShape,
    VsphereConfig,
    WorkerPoolConfig,
} from "./types";

/** Longest cluster name: `<cluster>-<pool>-<hash8>` must stay a 63-character label. */
export const MAX_CLUSTER_NAME = 32;
export const MAX_POOL_NAME = 20;
/** kubeadm's preflight needs 1700 MB on a control-plane node; the kernel keeps part of the VM's
 *  memory for itself, so 2048 MiB is the smallest VM size that passes. */
export const MIN_CONTROL_PLANE_MEMORY_MIB = 2048;

const isPrivateAsn = (n: number) =>
    (n >= 64512 && n <= 65534) || (n >= 4200000000 && n <= 4294967294);

/** Addresses a cluster's pool must hold: all machines plus one surge per rollout in flight. */
export function addressesNeeded(c: Pick<ClusterConfig, "controlPlane" | "workerPools">): number {
    const workers = c.workerPools.reduce((n, p) => n + p.replicas + p.maxSurge, 0);
    // KubeadmControlPlane rolls out with maxSurge 1.
    return c.controlPlane.replicas + 1 + workers;
}

export function parseClusters(
    c: Checker,
    v: unknown,
    ctx: ClusterContext,
): { clusters: ClusterConfig[]; ranges: ClusterRanges[] } {
    const parsed = c.array("clusters", v).map((x, i) => parseCluster(c, `clusters[${i}]`, x, ctx));
    if (Array.isArray(v) && v.length === 0) {
        c.fail(
            "clusters",
            "is empty; a region stack needs at least one cluster. To remove every cluster of a " +
                "region, run `pulumi destroy` on its stack instead (in prod after " +
                "`pulumi state unprotect`)",
        );
    }
    return { clusters: parsed.map((p) => p.config), ranges: parsed.map((p) => p.ranges) };
}

function parseMachine(
    c: Checker,
    p: string,
    o: Record<string, unknown>,
    d: MachineShape,
): MachineShape {
    return {
        // CAPV's VSphereMachineTemplate schema requires numCPUs >= 2.
        cpus: c.integer(`${p}.cpus`, o.cpus, 2, 128, d.cpus),
        memoryMiB: c.integer(`${p}.memoryMiB`, o.memoryMiB, 1024, 1024 * 1024, d.memoryMiB),
        diskGiB: c.integer(`${p}.diskGiB`, o.diskGiB, 20, 4096, d.diskGiB),
    };
}

/** kubeadm's preflight refuses control-plane nodes with less memory (its CPU check is met by
 *  the 2-CPU minimum every VM has). */
function checkControlPlaneSize(c: Checker, p: string, cp: ControlPlaneConfig): void {
    if (c.ok(`${p}.memoryMiB`) && cp.memoryMiB < MIN_CONTROL_PLANE_MEMORY_MIB) {
        c.fail(
            `${p}.memoryMiB`,
            `is ${cp.memoryMiB}; kubeadm's preflight needs 1700 MB visible to the kernel on a ` +
                `control-plane node, set memoryMiB to ${MIN_CONTROL_PLANE_MEMORY_MIB} or more`,
        );
    }
}

/** Why `v` cannot be a cluster's or pool's Kubernetes version, if it cannot. */
function versionProblem(c: Checker, v: string, vsphere: VsphereConfig): string | undefined {
    const parsed = parseKubernetesVersion(v);
    if (!parsed) {
        return `"${v}" is not a Kubernetes version like "v1.34.2" (leading "v", major.minor.patch)`;
    }
    if (!SUPPORTED_KUBERNETES_MINORS.includes(minorOf(parsed))) {
        return `${v} is not supported; use a v${SUPPORTED_KUBERNETES_MINORS.join(".x, v")}.x release`;
    }
    // A missing or malformed template map is reported once, at vsphere.templates.
    const mapMissing = c.reported("vsphere.templates");
    if (!mapMissing && !(v in vsphere.templates)) {
        const have = Object.keys(vsphere.templates).join(", ") || "none";
        return `no VM template for ${v}; add "${v}": "<template name>" to vsphere.templates (have: ${have})`;
    }
    return undefined;
}

/** What every cluster is parsed against. */
export interface ClusterContext {
    readonly env: Environment;
    readonly vsphere: VsphereConfig;
    /** versionProblem, once per distinct version (clusters mostly share a few). */
    readonly versionProblem: (v: string) => string | undefined;
}

export function clusterContext(
    c: Checker,
    env: Environment,
    vsphere: VsphereConfig,
): ClusterContext {
    // vsphere.templates is settled before the clusters, so a version's problem is the same for all.
    const seen = new Map<string, string | null>();
    const versionProblemOf = (v: string) => {
        let problem = seen.get(v);
        if (problem === undefined) {
            problem = versionProblem(c, v, vsphere) ?? null;
            seen.set(v, problem);
        }
        return problem ?? undefined;
    };
    return { env, vsphere, versionProblem: versionProblemOf };
}

function checkVersion(c: Checker, path: string, v: string, ctx: ClusterContext): void {
    const problem = ctx.versionProblem(v);
    if (problem) c.fail(path, problem);
}

// Keys of the per-cluster objects: one array each, not one per cluster.
const CLUSTER_KEYS = [
    "name",
    "kubernetesVersion",
    "controlPlane",
    "workerPools",
    "addressBlock",
    "vip",
    "podCidr",
    "serviceCidr",
    "bgp",
    "labels",
] as const;
const CONTROL_PLANE_KEYS = ["replicas", "cpus", "memoryMiB", "diskGiB"] as const;
const POOL_KEYS = [
    "name",
    "replicas",
    "maxSurge",
    "kubernetesVersion",
    "cpus",
    "memoryMiB",
    "diskGiB",
] as const;
const CLUSTER_BGP_KEYS = ["asNumber"] as const;
const CONTROL_PLANE_MACHINE: MachineShape = { cpus: 4, memoryMiB: 8192, diskGiB: 50 };
const POOL_MACHINE: MachineShape = { cpus: 4, memoryMiB: 16384, diskGiB: 80 };

function parseCluster(
    c: Checker,
    p: string,
    v: unknown,
    ctx: ClusterContext,
): { config: ClusterConfig; ranges: ClusterRanges } {
    const o = c.object(p, v, CLUSTER_KEYS);
    const name = c.dnsLabel(`${p}.name`, o.name, MAX_CLUSTER_NAME);
    const kubernetesVersion = c.string(`${p}.kubernetesVersion`, o.kubernetesVersion);
    if (kubernetesVersion) checkVersion(c, `${p}.kubernetesVersion`, kubernetesVersion, ctx);
    const controlPlane = parseControlPlane(c, `${p}.controlPlane`, o.controlPlane, ctx.env);
    const poolNames = new Set<string>();
    const workerPools = c.array(`${p}.workerPools`, o.workerPools).map((w, i) =>
        parseWorkerPool(c, `${p}.workerPools[${i}]`, w, {
            name,
            kubernetesVersion,
            poolNames,
            ctx,
        }),
    );
    const asNumber = parseClusterAsNumber(c, `${p}.bgp`, o.bgp);
    const addressBlock =
        o.addressBlock === undefined ? undefined : c.cidr(`${p}.addressBlock`, o.addressBlock);
    const vip = o.vip === undefined ? undefined : c.ip(`${p}.vip`, o.vip);
    const pod = podNetwork(c, p, o.podCidr, { controlPlane, workerPools });
    const service = serviceNetwork(c, `${p}.serviceCidr`, o.serviceCidr ?? "10.96.0.0/12");
    const config: ClusterConfig = {
        name,
        kubernetesVersion,
        controlPlane,
        workerPools,
        addressBlock,
        vip,
        podCidr: pod.s,
        serviceCidr: service.s,
        bgp: { asNumber },
        labels: parseClusterLabels(c, `${p}.labels`, o.labels),
    };
    const blockOk = addressBlock && c.ok(`${p}.addressBlock`);
    return {
        config,
        ranges: {
            pod: pod.range,
            service: service.range,
            block: blockOk ? parseCidr(addressBlock) : undefined,
        },
    };
}

/** The cluster's own AS for its eBGP sessions with the routers: a private one. */
function parseClusterAsNumber(c: Checker, p: string, v: unknown): number {
    const bo = c.object(p, v, CLUSTER_BGP_KEYS);
    const asNumber = c.integer(`${p}.asNumber`, bo.asNumber, 1, 4294967294);
    if (c.ok(`${p}.asNumber`) && !isPrivateAsn(asNumber)) {
        c.fail(
            `${p}.asNumber`,
            `${asNumber} is not a private AS number (64512–65534 or 4200000000–4294967294)`,
        );
    }
    return asNumber;
}

function parseControlPlane(
    c: Checker,
    p: string,
    v: unknown,
    env: Environment,
): ControlPlaneConfig {
    const cpo = c.object(p, v, CONTROL_PLANE_KEYS);
    const replicas = c.integer(`${p}.replicas`, cpo.replicas, 1, 7);
    const m = parseMachine(c, p, cpo, CONTROL_PLANE_MACHINE);
    const controlPlane: ControlPlaneConfig = {
        replicas,
        cpus: m.cpus,
        memoryMiB: m.memoryMiB,
        diskGiB: m.diskGiB,
    };
    checkControlPlaneSize(c, p, controlPlane);
    if (env === "prod" && c.ok(`${p}.replicas`) && controlPlane.replicas % 2 === 0) {
        c.fail(
            `${p}.replicas`,
            `is ${controlPlane.replicas}; prod control planes need an odd count (3 or 5) so etcd keeps quorum`,
        );
    }
    return controlPlane;
}

/** What a worker pool is checked against: its cluster and the pool names before it. */
interface PoolContext {
    readonly name: string;
    readonly kubernetesVersion: string;
    readonly poolNames: Set<string>;
    readonly ctx: ClusterContext;
}

function parseWorkerPool(c: Checker, wp: string, w: unknown, cl: PoolContext): WorkerPoolConfig {
    const wo = c.object(wp, w, POOL_KEYS);
    const poolName = c.dnsLabel(`${wp}.name`, wo.name, MAX_POOL_NAME);
    if (poolName === "cp") {
        c.fail(
            `${wp}.name`,
            `"cp" is reserved for the control plane's machine template; rename the pool`,
        );
    }
    if (poolName && cl.poolNames.has(poolName)) {
        c.fail(
            `${wp}.name`,
            `duplicate worker pool name "${poolName}" in cluster "${cl.name}"; rename one of ` +
                `the pools or merge them`,
        );
    }
    cl.poolNames.add(poolName);
    const version = c.string(`${wp}.kubernetesVersion`, wo.kubernetesVersion, cl.kubernetesVersion);
    if (wo.kubernetesVersion !== undefined && version) {
        checkVersion(c, `${wp}.kubernetesVersion`, version, cl.ctx);
        const skew = skewProblem(cl.kubernetesVersion, version);
        if (skew) c.fail(`${wp}.kubernetesVersion`, skew);
    }
    const replicas = c.integer(`${wp}.replicas`, wo.replicas, 0, 500);
    // maxUnavailable is 0 (capacity never drops), and CAPI refuses both being 0.
    const maxSurge = c.integer(`${wp}.maxSurge`, wo.maxSurge, 1, 50, 1);
    const m = parseMachine(c, wp, wo, POOL_MACHINE);
    return {
        name: poolName,
        replicas,
        maxSurge,
        kubernetesVersion: version,
        cpus: m.cpus,
        memoryMiB: m.memoryMiB,
        diskGiB: m.diskGiB,
    };
}

/** A CIDR as configured; `prefix` and `range` only when it is a CIDR without host bits. */
interface ParsedCidr {
    readonly s: string;
    readonly prefix?: number;
    readonly range?: Interval;
}

/** A routed network given as a CIDR: its address must be the network address. */
function networkCidr(c: Checker, path: string, v: unknown): ParsedCidr {
    // c.cidr(path, v), reading the CIDR once for both the check and the range.
    const s = c.string(path, v);
    if (!s) return { s };
    const cidr = parseCidr(s);
    if (!cidr || !cidr.canonical || cidr.prefix > 32) {
        c.fail(path, notCidr(s));
        return { s };
    }
    if (!c.ok(path)) return { s };
    if (!cidr.exact) {
        c.fail(path, `${s} has host bits set; use ${long2ip(cidr.lo)}/${cidr.prefix}`);
        return { s };
    }
    return { s, prefix: cidr.prefix, range: cidr };
}

/** kubeadm gives every node a /24 of the pod network (node-cidr-mask-size) and refuses pod
 *  networks smaller than that or more than 16 bits larger. */
const NODE_CIDR_PREFIX = 24;

function podNetwork(
    c: Checker,
    p: string,
    v: unknown,
    sizes: Pick<ClusterConfig, "controlPlane" | "workerPools">,
): ParsedCidr {
    const path = `${p}.podCidr`;
    const parsed = networkCidr(c, path, v);
    const { s, prefix } = parsed;
    if (prefix === undefined) return parsed;
    if (prefix < NODE_CIDR_PREFIX - 16 || prefix > NODE_CIDR_PREFIX) {
        c.fail(
            path,
            `${s} is a /${prefix}; kubeadm needs a pod network from /${NODE_CIDR_PREFIX - 16} to ` +
                `/${NODE_CIDR_PREFIX} (every node gets a /${NODE_CIDR_PREFIX} of it), e.g. a /16`,
        );
    } else if (c.ok(`${p}.controlPlane`) && c.ok(`${p}.workerPools`)) {
        const nodes = addressesNeeded(sizes);
        const ranges = 2 ** (NODE_CIDR_PREFIX - prefix);
        if (ranges < nodes) {
            c.fail(
                path,
                `${s} holds ${ranges} node range${ranges === 1 ? "" : "s"} of /${NODE_CIDR_PREFIX} ` +
                    `but the cluster can have ${nodes} nodes (incl. rollout surge); use a pod ` +
                    `network of /${NODE_CIDR_PREFIX - Math.ceil(Math.log2(nodes))} or larger`,
            );
        }
    }
    return parsed;
}

/** kubeadm refuses service networks larger than a /12 and needs the 10th address for DNS. */
function serviceNetwork(c: Checker, path: string, v: unknown): ParsedCidr {
    const parsed = networkCidr(c, path, v);
    const { s, prefix } = parsed;
    if (prefix === undefined) return parsed;
    if (prefix < 12 || prefix > 28) {
        c.fail(
            path,
            `${s} is a /${prefix}; kubeadm accepts service networks from /12 to /28 (the cluster ` +
                `DNS takes the 10th address), e.g. 10.96.0.0/12`,
        );
    }
    return parsed;
}

/** Labels for the Argo CD cluster Secret: valid Kubernetes labels, none of cluster-fleet's own. */
function parseClusterLabels(c: Checker, path: string, v: unknown): Record<string, string> {
    const out = c.stringMap(path, v);
    for (const [k, val] of Object.entries(out)) {
        const at = `${path}["${k}"]`;
        if (RESERVED_CLUSTER_SECRET_LABELS.includes(k)) {
            c.fail(
                at,
                "is set by cluster-fleet on the Argo CD cluster Secret; remove it from labels",
            );
        } else if (!LABEL_KEY.test(k) || k.length > 316) {
            c.fail(
                at,
                "is not a valid Kubernetes label key ([prefix/]name, name at most 63 characters)",
            );
        }
        if (!LABEL_VALUE.test(val)) {
            c.fail(
                at,
                `"${val}" is not a valid label value (at most 63 letters, digits, '-', '_', '.', ` +
                    `starting and ending with a letter or digit)`,
            );
        }
    }
    return out;
}
