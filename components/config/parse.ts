// Validates a region's raw stack configuration and returns the typed RegionConfig and IP plan.
// Pure: no Pulumi calls, so it runs before any resource is registered and is unit-tested directly.
import { CidrBlock, IpPlanError, IpPlanRequest, RegionIpPlan, planRegion } from "../ipPlan";
import { parseArgocd } from "./argocd";
import { parseBgp } from "./bgp";
import { Checker, closest } from "./checker";
import { checkClusterSet } from "./clusterSet";
import { addressesNeeded, clusterContext, parseClusters } from "./clusters";
import { parseNetwork } from "./network";
import {
    ClusterRanges,
    checkGeneratedNames,
    checkHostAddresses,
    checkNamespaces,
    checkServiceCidrs,
} from "./regionChecks";
import {
    BgpConfig,
    ClusterConfig,
    Environment,
    ManagementConfig,
    NetworkConfig,
    RegionConfig,
} from "./types";
import { parseVsphere } from "./vsphere";

/** Keys of the project namespace that hold secrets; read by config/load.ts, never by parse. */
export const SECRET_KEYS = [
    "managementKubeconfig",
    "vspherePassword",
    "argocdToken",
    "routerSshKey",
] as const;

export const REGION_KEYS = [
    "region",
    "environment",
    "management",
    "vsphere",
    "network",
    "argocd",
    "bgp",
    "sshAuthorizedKeys",
    "kubeVipImage",
    "clusters",
] as const;

const PINNED_IMAGE = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/;

export interface ParsedRegion {
    readonly config: RegionConfig;
    readonly plan: RegionIpPlan;
}

/**
 * Validates `raw` (the project's config keys without the "cluster-fleet:" prefix, values already
 * JSON-parsed) and returns the typed region. Throws ConfigError listing every problem. `stack`
 * names the stack in the IP plan's hints (`npm run ipam -- --stack <stack> --assign`).
 */
export function parseRegionConfig(raw: Record<string, unknown>, stack?: string): ParsedRegion {
    const { config, plan } = parseRegion(raw, true, stack);
    return { config, plan: plan! };
}

/** Everything parseRegionConfig checks except the IP plan (which `--assign` repairs). */
export function parseRegionSettings(raw: Record<string, unknown>): RegionConfig {
    return parseRegion(raw, false).config;
}

function parseRegion(
    raw: Record<string, unknown>,
    withPlan: boolean,
    stack?: string,
): { config: RegionConfig; plan?: RegionIpPlan } {
    const c = new Checker();
    checkUnknownKeys(c, raw);
    const region = c.dnsLabel("region", raw.region, 20);
    const environment = c.oneOf<Environment>("environment", raw.environment, ["dev", "prod"]);
    const management = parseManagement(c, raw.management);
    const vsphere = parseVsphere(c, raw.vsphere);
    const network = parseNetwork(c, raw.network);
    const argocd = parseArgocd(c, raw.argocd);
    const bgp = parseBgp(c, raw.bgp);
    const sshAuthorizedKeys = parseSshAuthorizedKeys(c, raw.sshAuthorizedKeys);
    const kubeVipImage = parseKubeVipImage(c, raw.kubeVipImage);
    const ctx = clusterContext(c, environment, vsphere);
    const { clusters, ranges } = parseClusters(c, raw.clusters, ctx);
    checkClusterSet(c, clusters, network, ranges);
    checkServiceCidrs(c, clusters, network, ranges);
    checkNamespaces(c, management, argocd);
    checkGeneratedNames(c, clusters, management, argocd, bgp, vsphere.manageInventory);
    checkClusterAsNumbers(c, clusters, bgp);

    // The IP plan runs on the part of the input that is valid, so its problems are listed
    // together with the field errors; nothing is planned from a substituted fallback.
    const plan = withPlan ? planValidPart(c, network, clusters, ranges, stack) : undefined;
    if (plan) checkHostAddresses(c, network, bgp, plan);
    c.throwIfAny();

    return {
        config: {
            region,
            environment,
            management,
            vsphere,
            network,
            argocd,
            bgp,
            sshAuthorizedKeys,
            kubeVipImage,
            clusters,
        },
        plan,
    };
}

/** A misspelt key would otherwise be ignored and its default used without a word. */
function checkUnknownKeys(c: Checker, raw: Record<string, unknown>): void {
    for (const k of Object.keys(raw)) {
        const known: readonly string[] = [...REGION_KEYS, ...SECRET_KEYS];
        if (!known.includes(k)) {
            const hint = closest(k, known);
            c.fail(
                k,
                `unknown key` +
                    (hint
                        ? `; did you mean "${hint}"?`
                        : `; remove it (\`pulumi config rm ${k}\`) or check its spelling`),
            );
        }
    }
}

function parseSshAuthorizedKeys(c: Checker, v: unknown): string[] {
    const keys = c.array("sshAuthorizedKeys", v).map((k, i) => {
        const s = c.string(`sshAuthorizedKeys[${i}]`, k);
        if (s && !/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+( .*)?$/.test(s)) {
            c.fail(
                `sshAuthorizedKeys[${i}]`,
                'is not an OpenSSH public key ("ssh-ed25519 AAAA… comment")',
            );
        }
        return s;
    });
    if (Array.isArray(v) && v.length === 0) {
        c.fail(
            "sshAuthorizedKeys",
            "needs at least one key, or nobody can log in to a node to debug it",
        );
    }
    return keys;
}

function parseKubeVipImage(c: Checker, v: unknown): string {
    const image = c.string("kubeVipImage", v, "ghcr.io/kube-vip/kube-vip:v1.0.1");
    if (image && (!PINNED_IMAGE.test(image) || image.endsWith(":latest"))) {
        c.fail("kubeVipImage", `"${image}" must be an image pinned to a version tag or digest`);
    }
    return image;
}

/** The peering is eBGP: a cluster must not share its AS with a router. */
function checkClusterAsNumbers(c: Checker, clusters: readonly ClusterConfig[], bgp: BgpConfig) {
    clusters.forEach((cl, i) => {
        const router = bgp.routers.find((r) => r.asNumber === cl.bgp.asNumber);
        if (router && c.ok(`clusters[${i}].bgp.asNumber`)) {
            c.fail(
                `clusters[${i}].bgp.asNumber`,
                `${cl.bgp.asNumber} equals the AS of router ${router.name}; the peering is eBGP, ` +
                    `give the cluster its own private AS (64512-65534)`,
            );
        }
    });
}

/** What the IP plan needs to know about each cluster (all valid: `--assign` runs after parsing). */
export function ipPlanRequests(clusters: readonly ClusterConfig[]): IpPlanRequest[] {
    return clusters.map((cl, i) => planRequest(cl, `clusters[${i}]`, addressesNeeded(cl)));
}

function planRequest(
    cl: ClusterConfig,
    path: string,
    needed: number,
    block?: CidrBlock,
): IpPlanRequest {
    return { name: cl.name, addressBlock: cl.addressBlock, block, vip: cl.vip, needed, path };
}

/** Runs the IP plan over every cluster whose plan inputs are valid; undefined if it cannot run. */
function planValidPart(
    c: Checker,
    network: NetworkConfig,
    clusters: readonly ClusterConfig[],
    ranges: readonly ClusterRanges[],
    stack?: string,
): RegionIpPlan | undefined {
    const networkOk = ["subnet", "gateway", "reserved", "clusterBlockPrefix"].every((k) =>
        c.ok(`network.${k}`),
    );
    if (!networkOk) return undefined;
    const requests: IpPlanRequest[] = [];
    // With no issue at all, every input is valid: no paths to build and look up.
    const clean = c.clean;
    clusters.forEach((cl, i) => {
        const p = `clusters[${i}]`;
        const placeable = clean || [".name", ".addressBlock", ".vip"].every((k) => c.ok(p + k));
        if (!cl.name || !placeable) return;
        const sized = clean || (c.ok(`${p}.controlPlane`) && c.ok(`${p}.workerPools`));
        // A cluster whose sizes are invalid is placed but not measured: its fallbacks would
        // only produce a second, false "pool too small".
        requests.push(planRequest(cl, p, sized ? addressesNeeded(cl) : 0, ranges[i].block));
    });
    try {
        return planRegion(network, requests, stack);
    } catch (e) {
        if (!(e instanceof IpPlanError)) throw e;
        for (const issue of e.issues) c.fail(issue.path, issue.message);
        return undefined;
    }
}

function parseManagement(c: Checker, v: unknown): ManagementConfig {
    const o = c.object("management", v, ["namespace", "readinessTimeoutSeconds"], true);
    return {
        namespace: c.dnsLabel("management.namespace", o.namespace ?? "capi-clusters", 63),
        readinessTimeoutSeconds: c.integer(
            "management.readinessTimeoutSeconds",
            o.readinessTimeoutSeconds,
            60,
            4 * 3600,
            2400,
        ),
    };
}
