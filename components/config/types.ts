// The validated, typed region configuration. Produced only by `parseRegionConfig` (config/parse.ts);
// everything downstream trusts these shapes.

export type Environment = "dev" | "prod";

/** CPU, memory and disk of one VM shape. */
export interface MachineShape {
    readonly cpus: number;
    readonly memoryMiB: number;
    readonly diskGiB: number;
}

export interface ControlPlaneConfig extends MachineShape {
    /** Number of control-plane machines (odd in prod). */
    readonly replicas: number;
}

export interface WorkerPoolConfig extends MachineShape {
    /** DNS-1123 label, unique within the cluster. */
    readonly name: string;
    readonly replicas: number;
    /** Extra machines a rollout may create at once (MachineDeployment maxSurge). */
    readonly maxSurge: number;
    /** Kubernetes version of this pool; defaults to the cluster's. At most 3 minors behind. */
    readonly kubernetesVersion: string;
}

export interface ClusterBgpConfig {
    /** The cluster's private AS number (Calico BGPConfiguration.spec.asNumber). */
    readonly asNumber: number;
}

export interface ClusterConfig {
    /** DNS-1123 label, unique within the region; the CAPI Cluster name. */
    readonly name: string;
    /** e.g. "v1.34.2". */
    readonly kubernetesVersion: string;
    readonly controlPlane: ControlPlaneConfig;
    readonly workerPools: readonly WorkerPoolConfig[];
    /** Pinned address block (CIDR inside the region subnet); derived from the name when absent. */
    readonly addressBlock?: string;
    /** Pinned control-plane VIP; the block's first address when absent. Never inside a pool. */
    readonly vip?: string;
    /** Pod network (Calico IPPool and Cluster.spec.clusterNetwork.pods). */
    readonly podCidr: string;
    /** Service network. */
    readonly serviceCidr: string;
    readonly bgp: ClusterBgpConfig;
    /** Extra labels for the Argo CD cluster Secret (ApplicationSet selectors). */
    readonly labels: Readonly<Record<string, string>>;
}

export interface NetworkConfig {
    /** The region's node subnet, e.g. "10.20.0.0/20". */
    readonly subnet: string;
    readonly gateway: string;
    readonly nameservers: readonly string[];
    readonly searchDomains: readonly string[];
    /** Addresses never handed out: single IPs, "a-b" ranges or CIDRs. */
    readonly reserved: readonly string[];
    /** Prefix length of each cluster's address block when not pinned, e.g. 26. */
    readonly clusterBlockPrefix: number;
}

export interface VsphereConfig {
    /** vCenter FQDN or IP. */
    readonly server: string;
    /** SHA-1 thumbprint of the vCenter certificate, colon separated. */
    readonly thumbprint: string;
    readonly username: string;
    readonly datacenter: string;
    readonly computeCluster: string;
    readonly datastore: string;
    /** Port group the nodes attach to. */
    readonly network: string;
    /** Parent VM folder under which a folder per cluster is created. */
    readonly folder: string;
    /** Parent resource pool (path) under which a pool per cluster is created. */
    readonly resourcePool: string;
    /** VM template per Kubernetes version ("v1.34.2" -> template name). */
    readonly templates: Readonly<Record<string, string>>;
    /** Tag category for the per-cluster tags. */
    readonly tagCategory: string;
    /** Storage policy, optional alternative to the datastore for disks. */
    readonly storagePolicy?: string;
    /**
     * Create the per-cluster folder, resource pool and tag and look the placement up at preview
     * (default true). false: the inventory is managed elsewhere; machines go straight into
     * `folder` and `resourcePool`, untagged, and nothing talks to vCenter from Pulumi.
     */
    readonly manageInventory: boolean;
}

export interface ArgoRetryConfig {
    readonly limit: number;
    readonly backoff: {
        readonly duration: string;
        readonly factor: number;
        readonly maxDuration: string;
    };
}

export interface ArgocdConfig {
    /** Base URL of the region's Argo CD API, e.g. "https://argocd.eu1.example.net". */
    readonly url: string;
    /** Namespace Argo CD runs in on the management cluster. */
    readonly namespace: string;
    /** AppProject of the cluster-config Applications. */
    readonly project: string;
    /** Argo CD account the token belongs to (for error messages and RBAC hints). */
    readonly account: string;
    /** PEM CA that signs the Argo CD server certificate; system roots when absent. */
    readonly caCert?: string;
    /** Git repository and revision that hold cluster-config/. */
    readonly repoURL: string;
    readonly targetRevision: string;
    readonly path: string;
    /** tigera-operator Helm chart version. */
    readonly tigeraOperatorVersion: string;
    /** Helm chart repository of the tigera-operator chart: the public one, or a site's mirror. */
    readonly chartRepoURL: string;
    readonly retry: ArgoRetryConfig;
    /** How long `pulumi up` waits for cluster-config to be Synced and Healthy. */
    readonly syncTimeoutSeconds: number;
    /**
     * Trigger the sync through the Argo CD API and wait for Synced and Healthy (default true).
     * Off only where no Argo CD API is reachable (the local lab); Argo CD still syncs on its own.
     */
    readonly manageSync: boolean;
}

export interface BgpRouterConfig {
    readonly name: string;
    /** Peer address the clusters' nodes connect to. */
    readonly address: string;
    readonly asNumber: number;
    /** SSH access for the listen-range commands; no commands are run when absent. */
    readonly ssh?: {
        readonly host: string;
        readonly port: number;
        readonly user: string;
        /** The router's SSH host public key ("ssh-ed25519 AAAA…"); verified on connect. */
        readonly hostKey?: string;
    };
}

export interface BgpConfig {
    readonly routers: readonly BgpRouterConfig[];
}

export interface ManagementConfig {
    /** Namespace on the management cluster that holds the CAPI objects. */
    readonly namespace: string;
    /** How long to wait for a new workload API server. */
    readonly readinessTimeoutSeconds: number;
}

export interface RegionConfig {
    /** Region name, a DNS-1123 label (e.g. "eu1"). */
    readonly region: string;
    readonly environment: Environment;
    readonly management: ManagementConfig;
    readonly vsphere: VsphereConfig;
    readonly network: NetworkConfig;
    readonly argocd: ArgocdConfig;
    readonly bgp: BgpConfig;
    /** SSH public keys for the `capv` user on every node. */
    readonly sshAuthorizedKeys: readonly string[];
    /** kube-vip image, pinned. */
    readonly kubeVipImage: string;
    readonly clusters: readonly ClusterConfig[];
}

/** One cluster's slice of the region IP plan. */
export interface ClusterIpPlan {
    readonly cluster: string;
    /** The cluster's address block (CIDR). */
    readonly block: string;
    /** Control-plane VIP (kube-vip), inside the block, outside the pool. */
    readonly vip: string;
    /** First and last address of the node pool (InClusterIPPool "a-b"). */
    readonly poolStart: string;
    readonly poolEnd: string;
    readonly capacity: number;
    /** Control plane + workers + rollout surge. */
    readonly needed: number;
}
