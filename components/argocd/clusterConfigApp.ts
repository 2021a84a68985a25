// Pure builders for a workload cluster's `cluster-config` Argo CD Application (created in the
// management cluster) and for the one workload-cluster Secret that cluster-config needs but git
// must not hold: the vSphere CPI's vCenter credentials.
//
// The Application has two sources:
//   1. the tigera-operator Helm chart from `argocd.chartRepoURL` (operator + operator.tigera.io
//      CRDs; its own Installation, APIServer, Goldmane and Whisker are switched off so our
//      annotated objects own them);
//   2. this repo's cluster-config/ kustomize content, made per-cluster by inline kustomize patches
//      (Argo CD appends them to the kustomization's `patches` before `kustomize build`).
// Sync waves (cluster-config/README.md): 0 CPI + operator chart + operator endpoint ConfigMap,
// 1 Installation + APIServer, 2 BGPConfiguration, 3 BGPPeers.
//
// Wiring this in Pulumi (the WorkloadCluster component): the Application must `dependsOn` the
// Argo CD cluster Secret and the CAPI Cluster (and the CPI credentials Secret), so `pulumi destroy`
// deletes it first; its resources finalizer then lets Argo CD remove everything from the workload
// cluster while the cluster and its registration still exist. Then the Secret, then the Cluster.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as yaml from "js-yaml";
import { Netmask } from "netmask";
import { ARGOCD_RESOURCES_FINALIZER, apiVersions, kinds, labels } from "../constants";
import {
    ArgocdConfig,
    ArgoRetryConfig,
    BgpRouterConfig,
    ClusterConfig,
    ClusterIpPlan,
    RegionConfig,
    VsphereConfig,
} from "../config/types";
import { assertAsNumber, assertCidr, assertIpv4, assertName } from "../bgp/listenRange";
import { API_SERVER_PORT } from "../capi/context";
import { DURATION, REPO_URL } from "../config/checker";
import { argoClusterName } from "./clusterSecret";

/** Number of BGPPeer slots in cluster-config/calico/bgp-peers.yaml (routers per region, max). */
export const MAX_BGP_PEERS = 4;
/** Namespace of tigera-operator; also the Application's destination namespace. */
export const TIGERA_OPERATOR_NAMESPACE = "tigera-operator";
/** Default of `argocd.chartRepoURL`: Calico's public Helm chart repository. */
export const TIGERA_OPERATOR_CHART_REPO = "https://docs.tigera.io/calico/charts";
/** The CPI's vCenter credentials Secret (kube-system); vsphere.conf refers to it by name. */
export const CPI_CREDENTIALS_SECRET_NAME = "cloud-provider-vsphere-credentials";
export const CPI_NAMESPACE = "kube-system";
export const CPI_IMAGE = "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere";
/** Port kube-vip serves the API on (the CAPV/kubeadm default). */
export { API_SERVER_PORT };

/** Sync waves of the cluster-config content; tests assert the objects carry exactly these. */
export const SYNC_WAVES = {
    cpi: 0,
    operator: 0,
    calico: 1,
    bgpConfiguration: 2,
    bgpPeers: 3,
} as const;

/** One entry of Application.spec.source(s).kustomize.patches (Argo CD / kustomize `patches`). */
export interface KustomizePatch {
    readonly patch: string;
    readonly target?: {
        readonly group?: string;
        readonly version?: string;
        readonly kind: string;
        readonly name: string;
        readonly namespace?: string;
    };
}

/** The Application manifest, ready for `new k8s.apiextensions.CustomResource(name, app)`. */
export interface ClusterConfigApplication {
    readonly apiVersion: typeof apiVersions.argocd;
    readonly kind: typeof kinds.Application;
    readonly metadata: {
        readonly name: string;
        readonly namespace: string;
        readonly labels: Record<string, string>;
        readonly annotations: Record<string, string>;
        readonly finalizers: string[];
    };
    readonly spec: Record<string, unknown>;
}

/**
 * Compare options of the Application. ServerSideDiff: Argo CD computes the expected live state
 * with a server-side dry run, so API-server defaults and normalisation do not read as drift.
 * Without it a real Argo CD v3.5 leaves the app OutOfSync right after a successful sync: the
 * chart's crd.projectcalico.org CRDs say `preserveUnknownFields: false`, which the API server
 * drops, and the Installation CRD defaults `ipPools[].disableBGPExport` (seen in the lab).
 */
export const CLUSTER_CONFIG_COMPARE_OPTIONS = "ServerSideDiff=true";

const VERSION = /^v(\d+)\.(\d+)\.(\d+)$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const THUMBPRINT = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){19}$|^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$/;

/**
 * Why `url` cannot be the Helm chart repository of the tigera-operator chart
 * (`argocd.chartRepoURL`), or undefined if it can. Air-gapped sites point it at their mirror;
 * a private CA goes into Argo CD's argocd-tls-certs-cm, credentials into a repository Secret.
 */
export function chartRepoProblem(url: string): string | undefined {
    const example = `e.g. ${TIGERA_OPERATOR_CHART_REPO} or your mirror's equivalent`;
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return `"${url}" is not a URL; give the https:// URL of a Helm chart repository (${example})`;
    }
    if (u.protocol === "oci:") {
        return `"${url}": OCI registries are not supported; give the https:// URL of a Helm chart repository (${example})`;
    }
    if (u.protocol !== "https:") {
        return `"${url}" must be an https:// URL of a Helm chart repository (${example}); TLS is never optional`;
    }
    if (u.username || u.password) {
        return `"${u.protocol}//${u.host}${u.pathname}" must not contain credentials; register them in Argo CD as a repository Secret instead`;
    }
    if (u.search || u.hash) {
        return `"${url}" must not have a query or fragment: Argo CD appends /index.yaml to it`;
    }
    if (/\/index\.ya?ml$|\.tgz$/.test(u.pathname)) {
        return `"${url}" must be the repository's base URL (the directory of index.yaml), not a file in it`;
    }
    return undefined;
}

/** `<cluster>-cluster-config`. */
export function clusterConfigApplicationName(cluster: string): string {
    return `${assertName("cluster name", cluster)}-cluster-config`;
}

/**
 * CPI image tag for a Kubernetes version: cloud-provider-vsphere releases track Kubernetes
 * minors (v1.34.x supports Kubernetes 1.34), so "v1.34.2" -> "v1.34.0".
 */
export function cpiImageTag(kubernetesVersion: string): string {
    const m = VERSION.exec(kubernetesVersion);
    if (!m) {
        throw new Error(
            `kubernetesVersion: "${kubernetesVersion}" is not a version like "v1.34.2"`,
        );
    }
    return `v${m[1]}.${m[2]}.0`;
}

/**
 * vsphere.conf (the CPI's YAML config format) for one cluster. The VIP is excluded from node
 * address selection: kube-vip puts it on the control-plane NIC, and VMware Tools reports it, so
 * without the exclusion a control-plane Node could get the VIP as its InternalIP (which Calico
 * then uses as its BGP source address).
 */
export function renderVsphereConf(region: RegionConfig, plan: ClusterIpPlan): string {
    const { server, datacenter, thumbprint } = region.vsphere;
    const vipCidr = `${assertIpv4(`IP plan of cluster ${plan.cluster}: vip`, plan.vip)}/32`;
    const conf = {
        global: {
            port: 443,
            secretName: CPI_CREDENTIALS_SECRET_NAME,
            secretNamespace: CPI_NAMESPACE,
            thumbprint,
        },
        vcenter: {
            [server]: { server, datacenters: [datacenter], thumbprint },
        },
        nodes: {
            internalNetworkSubnetCidr: region.network.subnet,
            excludeInternalNetworkSubnetCidr: vipCidr,
            excludeExternalNetworkSubnetCidr: vipCidr,
        },
    };
    return yaml.dump(conf, { sortKeys: true, lineWidth: -1, noRefs: true });
}

function jsonPatch(
    target: NonNullable<KustomizePatch["target"]>,
    ops: { op: "replace"; path: string; value: unknown }[],
): KustomizePatch {
    return { target, patch: JSON.stringify(ops) };
}

function overlaps(a: string, b: string): boolean {
    const x = new Netmask(a);
    const y = new Netmask(b);
    return x.contains(y.base) || y.contains(x.base);
}

/** Validates what the patches need and returns the region's routers (all of them peer). */
function validate(region: RegionConfig, cluster: ClusterConfig, plan: ClusterIpPlan) {
    const c = `clusters[${cluster.name}]`;
    validateClusterNetwork(region, cluster, plan);
    const clusterAs = assertAsNumber(`${c}.bgp.asNumber`, cluster.bgp.asNumber);
    validateVcenter(region.vsphere);
    return validateRouters(region.bgp.routers, c, clusterAs);
}

/** The cluster's name, IP plan, VIP and pod CIDR against the region's node subnet. */
function validateClusterNetwork(region: RegionConfig, cluster: ClusterConfig, plan: ClusterIpPlan) {
    const c = `clusters[${cluster.name}]`;
    assertName(`${c}.name`, cluster.name);
    if (plan.cluster !== cluster.name) {
        throw new Error(`IP plan is for cluster "${plan.cluster}", not "${cluster.name}"`);
    }
    assertCidr("network.subnet", region.network.subnet);
    assertCidr(`${c}.podCidr`, cluster.podCidr);
    assertIpv4(`IP plan of cluster ${cluster.name}: vip`, plan.vip);
    if (!new Netmask(region.network.subnet).contains(plan.vip)) {
        throw new Error(
            `IP plan of cluster ${cluster.name}: vip ${plan.vip} is outside network.subnet ${region.network.subnet}`,
        );
    }
    if (overlaps(cluster.podCidr, region.network.subnet)) {
        throw new Error(
            `${c}.podCidr: ${cluster.podCidr} overlaps network.subnet ${region.network.subnet}; ` +
                `pods need their own routed range`,
        );
    }
}

/** What vsphere.conf takes from the region's vCenter config. */
function validateVcenter(vsphere: VsphereConfig) {
    if (!HOST.test(vsphere.server)) {
        throw new Error(`vsphere.server: "${vsphere.server}" must be a host name or IP address`);
    }
    if (!THUMBPRINT.test(vsphere.thumbprint)) {
        throw new Error(
            `vsphere.thumbprint: must be the vCenter certificate's SHA-1 (or SHA-256) fingerprint ` +
                `as colon-separated hex bytes, e.g. "AB:CD:...:01"`,
        );
    }
}

/** The routers fit the BGPPeer slots, have unique names and an AS other than the cluster's. */
function validateRouters(
    routers: readonly BgpRouterConfig[],
    c: string,
    clusterAs: number,
): readonly BgpRouterConfig[] {
    if (routers.length === 0) {
        throw new Error(
            `bgp.routers: at least one router is needed; the nodes' pod routes are only ` +
                `announced to these routers (the node-to-node mesh is off)`,
        );
    }
    if (routers.length > MAX_BGP_PEERS) {
        throw new Error(
            `bgp.routers: ${routers.length} routers, but cluster-config has ${MAX_BGP_PEERS} ` +
                `BGPPeer slots; add slots to cluster-config/calico/bgp-peers.yaml and raise ` +
                `MAX_BGP_PEERS in components/argocd/clusterConfigApp.ts`,
        );
    }
    const seen = new Set<string>();
    for (const r of routers) {
        const w = `bgp.routers[${r.name}]`;
        assertName("bgp.routers[].name", r.name);
        if (seen.has(r.name)) {
            throw new Error(`bgp.routers: router name "${r.name}" appears twice`);
        }
        seen.add(r.name);
        assertIpv4(`${w}.address`, r.address);
        if (assertAsNumber(`${w}.asNumber`, r.asNumber) === clusterAs) {
            throw new Error(
                `${c}.bgp.asNumber: ${clusterAs} equals the AS of router ${r.name}; the peering ` +
                    `is eBGP, give the cluster its own private AS`,
            );
        }
    }
    return routers;
}

/**
 * The per-cluster kustomize patches for cluster-config/: vsphere.conf and CPI image, the VIP for
 * the operator, the pod CIDR, the cluster AS, one BGPPeer per router (unused slots deleted).
 * JSON6902 `replace` ops fail if the path is missing, so content and patches cannot drift apart
 * silently. Deterministic: same config, same patches.
 */
export function clusterConfigPatches(
    region: RegionConfig,
    cluster: ClusterConfig,
    plan: ClusterIpPlan,
): KustomizePatch[] {
    const routers = validate(region, cluster, plan);
    return [
        ...cpiPatches(region, cluster, plan),
        operatorEndpointPatch(plan),
        ...calicoPatches(cluster),
        ...bgpPeerPatches(routers),
    ];
}

function calicoTarget(kind: string, name: string) {
    return { group: "projectcalico.org", version: "v3", kind, name };
}

/** The CPI's vsphere.conf and its image (matching the cluster's Kubernetes minor). */
function cpiPatches(
    region: RegionConfig,
    cluster: ClusterConfig,
    plan: ClusterIpPlan,
): KustomizePatch[] {
    return [
        jsonPatch(
            {
                version: "v1",
                kind: "ConfigMap",
                name: "vsphere-cloud-config",
                namespace: CPI_NAMESPACE,
            },
            [{ op: "replace", path: "/data/vsphere.conf", value: renderVsphereConf(region, plan) }],
        ),
        jsonPatch(
            {
                group: "apps",
                version: "v1",
                kind: "DaemonSet",
                name: "vsphere-cloud-controller-manager",
                namespace: CPI_NAMESPACE,
            },
            [
                {
                    op: "replace",
                    path: "/spec/template/spec/containers/0/image",
                    value: `${CPI_IMAGE}:${cpiImageTag(cluster.kubernetesVersion)}`,
                },
            ],
        ),
    ];
}

/** tigera-operator reaches the API server at the VIP, so Calico does not depend on kube-proxy. */
function operatorEndpointPatch(plan: ClusterIpPlan): KustomizePatch {
    return jsonPatch(
        {
            version: "v1",
            kind: "ConfigMap",
            name: "kubernetes-services-endpoint",
            namespace: TIGERA_OPERATOR_NAMESPACE,
        },
        [
            { op: "replace", path: "/data/KUBERNETES_SERVICE_HOST", value: plan.vip },
            {
                op: "replace",
                path: "/data/KUBERNETES_SERVICE_PORT",
                value: String(API_SERVER_PORT),
            },
        ],
    );
}

/** The pod CIDR of the Installation and the cluster AS of the BGPConfiguration. */
function calicoPatches(cluster: ClusterConfig): KustomizePatch[] {
    return [
        jsonPatch(
            { group: "operator.tigera.io", version: "v1", kind: "Installation", name: "default" },
            [{ op: "replace", path: "/spec/calicoNetwork/ipPools/0/cidr", value: cluster.podCidr }],
        ),
        jsonPatch(calicoTarget("BGPConfiguration", "default"), [
            { op: "replace", path: "/spec/asNumber", value: cluster.bgp.asNumber },
        ]),
    ];
}

/** One BGPPeer slot per router, in order; the unused slots are deleted. */
function bgpPeerPatches(routers: readonly BgpRouterConfig[]): KustomizePatch[] {
    const patches = routers.map((r, i) =>
        jsonPatch(calicoTarget("BGPPeer", `peer-slot-${i}`), [
            { op: "replace", path: "/metadata/name", value: r.name },
            { op: "replace", path: "/spec/peerIP", value: r.address },
            { op: "replace", path: "/spec/asNumber", value: r.asNumber },
        ]),
    );
    for (let i = routers.length; i < MAX_BGP_PEERS; i++) {
        patches.push({
            patch: JSON.stringify({
                $patch: "delete",
                apiVersion: "projectcalico.org/v3",
                kind: "BGPPeer",
                metadata: { name: `peer-slot-${i}` },
            }),
        });
    }
    return patches;
}

/** Helm values for the tigera-operator chart: operator only, our files own the CRs. */
export function tigeraOperatorValues(): Record<string, unknown> {
    return {
        apiServer: { enabled: false },
        goldmane: { enabled: false },
        installation: { enabled: false },
        manageCRDs: true,
        whisker: { enabled: false },
    };
}

export interface ClusterConfigAppArgs {
    readonly region: RegionConfig;
    readonly cluster: ClusterConfig;
    readonly plan: ClusterIpPlan;
}

/**
 * The `<cluster>-cluster-config` Application: automated sync with prune and self-heal, retry with
 * the region's backoff, the resources finalizer, destination = the registered cluster by name.
 * Plain values only (all from config), so previews and policies see the whole manifest.
 */
export function buildClusterConfigApplication(
    args: ClusterConfigAppArgs,
): ClusterConfigApplication {
    const { region, cluster, plan } = args;
    validateArgocd(region.argocd);
    const patches = clusterConfigPatches(region, cluster, plan);
    return {
        apiVersion: apiVersions.argocd,
        kind: kinds.Application,
        metadata: applicationMetadata(region, cluster),
        spec: applicationSpec(region.argocd, cluster, patches),
    };
}

/** The region's Argo CD settings the Application uses, checked before anything is built. */
function validateArgocd(argocd: ArgocdConfig): void {
    validateRetry(argocd.retry);
    for (const [field, v] of [
        ["argocd.namespace", argocd.namespace],
        ["argocd.project", argocd.project],
    ] as const) {
        assertName(field, v);
    }
    if (!REPO_URL.test(argocd.repoURL)) {
        throw new Error(
            `argocd.repoURL: "${argocd.repoURL}" must be an https://, ssh:// or git@ URL`,
        );
    }
    const chartProblem = chartRepoProblem(argocd.chartRepoURL);
    if (chartProblem) {
        throw new Error(`argocd.chartRepoURL: ${chartProblem}`);
    }
}

function validateRetry(retry: ArgoRetryConfig): void {
    if (!Number.isInteger(retry.limit) || retry.limit < 1) {
        throw new Error(
            `argocd.retry.limit: ${retry.limit}; must be a positive integer: later waves only ` +
                `converge through retries while Calico's API server comes up`,
        );
    }
    for (const [field, v] of [
        ["duration", retry.backoff.duration],
        ["maxDuration", retry.backoff.maxDuration],
    ] as const) {
        if (!DURATION.test(v)) {
            throw new Error(
                `argocd.retry.backoff.${field}: "${v}" is not a duration like "10s" or "5m"`,
            );
        }
    }
    if (!Number.isInteger(retry.backoff.factor) || retry.backoff.factor < 2) {
        throw new Error(
            `argocd.retry.backoff.factor: ${retry.backoff.factor}; must be an integer >= 2`,
        );
    }
}

function applicationMetadata(
    region: RegionConfig,
    cluster: ClusterConfig,
): ClusterConfigApplication["metadata"] {
    return {
        name: clusterConfigApplicationName(cluster.name),
        namespace: region.argocd.namespace,
        labels: {
            [labels.cluster]: cluster.name,
            [labels.environment]: region.environment,
            [labels.managedBy]: "pulumi",
            [labels.region]: region.region,
        },
        annotations: {
            "argocd.argoproj.io/compare-options": CLUSTER_CONFIG_COMPARE_OPTIONS,
        },
        finalizers: [ARGOCD_RESOURCES_FINALIZER],
    };
}

function applicationSpec(
    argocd: ArgocdConfig,
    cluster: ClusterConfig,
    patches: KustomizePatch[],
): Record<string, unknown> {
    return {
        project: argocd.project,
        // By name (never also server): the `name` of the Argo CD cluster Secret.
        destination: {
            name: argoClusterName(cluster.name),
            namespace: TIGERA_OPERATOR_NAMESPACE,
        },
        sources: applicationSources(argocd, patches),
        syncPolicy: syncPolicy(argocd.retry),
    };
}

/** The tigera-operator chart, then this repo's cluster-config/ with the per-cluster patches. */
function applicationSources(argocd: ArgocdConfig, patches: KustomizePatch[]): unknown[] {
    return [
        {
            repoURL: argocd.chartRepoURL,
            chart: "tigera-operator",
            targetRevision: argocd.tigeraOperatorVersion,
            helm: { releaseName: "tigera-operator", valuesObject: tigeraOperatorValues() },
        },
        {
            repoURL: argocd.repoURL,
            targetRevision: argocd.targetRevision,
            path: argocd.path,
            kustomize: { patches },
        },
    ];
}

function syncPolicy(retry: ArgoRetryConfig): Record<string, unknown> {
    return {
        automated: { enabled: true, prune: true, selfHeal: true, allowEmpty: false },
        // SkipDryRunOnMissingResource is set per object in cluster-config/ (the CRs whose
        // API appears at runtime), not app-wide, so typos in other kinds still fail dry-run.
        syncOptions: ["CreateNamespace=true", "ServerSideApply=true"],
        // tigera-operator runs privileged host-network pods.
        managedNamespaceMetadata: {
            labels: { "pod-security.kubernetes.io/enforce": "privileged" },
        },
        retry: {
            limit: retry.limit,
            // A fix pushed to git is picked up by the running retry loop.
            refresh: true,
            backoff: {
                duration: retry.backoff.duration,
                factor: retry.backoff.factor,
                maxDuration: retry.backoff.maxDuration,
            },
        },
    };
}

export interface CpiCredentialsArgs {
    /** vCenter server exactly as in vsphere.conf (the Secret keys are `<server>.username|password`). */
    readonly server: string;
    readonly username: pulumi.Input<string>;
    /** vCenter password; stays secret. */
    readonly password: pulumi.Input<string>;
}

/**
 * Args for the workload-cluster Secret the CPI reads its vCenter credentials from. Created by
 * Pulumi through the workload cluster's provider (never in git). Sync wave 0 of cluster-config
 * needs it, so create it before the Application.
 */
export function buildCpiCredentialsSecret(args: CpiCredentialsArgs): k8s.core.v1.SecretArgs {
    if (!HOST.test(args.server)) {
        throw new Error(`vsphere.server: "${args.server}" must be a host name or IP address`);
    }
    const stringData = pulumi.all([args.username, args.password]).apply(([username, password]) => {
        if (!username || !password) {
            throw new Error(
                `CPI credentials for ${args.server}: ${!username ? "vsphere.username" : "the vCenter password"} is empty`,
            );
        }
        return { [`${args.server}.password`]: password, [`${args.server}.username`]: username };
    });
    return {
        metadata: {
            name: CPI_CREDENTIALS_SECRET_NAME,
            namespace: CPI_NAMESPACE,
            labels: { [labels.managedBy]: "pulumi", "app.kubernetes.io/name": "vsphere-cpi" },
        },
        type: "Opaque",
        stringData: pulumi.secret(stringData),
    };
}
