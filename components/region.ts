// One region: explicit providers for its management cluster and vCenter, the vSphere pre-flight
// lookups, the shared tag category and CAPI namespace, and a WorkloadCluster per desired cluster.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LoadedRegion, RegionSecrets } from "./config/load";
import { RegionConfig } from "./config/types";
import { types } from "./constants";
import * as vsphere from "./vsphere";
import { lookupPlacement } from "./vsphere/preflight";
import { RegionInventory, WorkloadCluster, WorkloadClusterArgs } from "./workloadCluster";

export interface RegionArgs {
    /** The validated region with its IP plan and secrets (config/load.ts). */
    readonly loaded: LoadedRegion;
}

/** What the stack exports per cluster. */
export interface ClusterSummary {
    readonly endpoint: string;
    readonly vip: string;
    readonly addressBlock: string;
    readonly poolRange: string;
    readonly kubernetesVersion: string;
    /** cluster-config Application sync and health ("Unmanaged" when the sync is not managed). */
    readonly syncStatus: string;
    readonly healthStatus: string;
}

export class Region extends pulumi.ComponentResource {
    public readonly clusters: Readonly<Record<string, WorkloadCluster>>;
    public readonly managementProvider: k8s.Provider;

    constructor(name: string, args: RegionArgs, opts?: pulumi.ComponentResourceOptions) {
        super(types.Region, name, {}, opts);
        const { config, secrets } = args.loaded;
        this.managementProvider = this.createManagementProvider(config, secrets);
        // vCenter is only talked to when cluster-fleet manages the per-cluster inventory.
        const inventory = config.vsphere.manageInventory
            ? this.createVsphereInventory(config, secrets)
            : undefined;
        const commandProvider = this.createCommandProvider(config);
        const namespace = this.createCapiNamespace(config);
        this.clusters = this.createWorkloadClusters(args.loaded, {
            inventory,
            namespace,
            commandProvider,
        });
        this.registerOutputs({});
    }

    /**
     * The management cluster's provider. clusterIdentifier keeps it (and everything under it) from
     * being replaced when the management kubeconfig's credentials rotate.
     */
    private createManagementProvider(config: RegionConfig, secrets: RegionSecrets): k8s.Provider {
        return new k8s.Provider(
            `${config.region}-management`,
            {
                kubeconfig: secrets.managementKubeconfig,
                clusterIdentifier: `${config.region}-management`,
            },
            { parent: this },
        );
    }

    /** The vCenter provider, the pre-flight placement lookups and the region's tag category. */
    private createVsphereInventory(config: RegionConfig, secrets: RegionSecrets): RegionInventory {
        const vsphereProvider = new vsphere.Provider(
            `${config.region}-vcenter`,
            {
                user: config.vsphere.username,
                password: secrets.vspherePassword,
                vsphereServer: config.vsphere.server,
                allowUnverifiedSsl: false,
            },
            { parent: this },
        );
        const placement = lookupPlacement(config.vsphere, kubernetesVersions(config), {
            provider: vsphereProvider,
            parent: this,
        });
        const tagCategory = new vsphere.TagCategory(
            `${config.region}-tag-category`,
            {
                name: config.vsphere.tagCategory,
                cardinality: "SINGLE",
                associableTypes: ["VirtualMachine"],
                description: `cluster-fleet workload clusters of region ${config.region}`,
            },
            { parent: this, provider: vsphereProvider },
        );
        return { provider: vsphereProvider, placement, tagCategoryId: tagCategory.id };
    }

    /** The @pulumi/command provider, only when a router's listen ranges are managed over SSH. */
    private createCommandProvider(config: RegionConfig): command.Provider | undefined {
        return config.bgp.routers.some((r) => r.ssh !== undefined)
            ? new command.Provider(`${config.region}-command`, {}, { parent: this })
            : undefined;
    }

    /** The namespace holding the region's CAPI objects; protected in prod. */
    private createCapiNamespace(config: RegionConfig): k8s.core.v1.Namespace {
        return new k8s.core.v1.Namespace(
            `${config.region}-capi-namespace`,
            { metadata: { name: config.management.namespace } },
            {
                parent: this,
                provider: this.managementProvider,
                protect: config.environment === "prod",
            },
        );
    }

    /** One WorkloadCluster per configured cluster, with its slice of the IP plan. */
    private createWorkloadClusters(
        loaded: LoadedRegion,
        shared: Pick<WorkloadClusterArgs, "inventory" | "namespace" | "commandProvider">,
    ): Record<string, WorkloadCluster> {
        const { config, plan, secrets } = loaded;
        const clusters: Record<string, WorkloadCluster> = {};
        for (const cluster of config.clusters) {
            const clusterPlan = plan.clusters.find((p) => p.cluster === cluster.name);
            if (!clusterPlan) {
                throw new Error(`internal: no IP plan for cluster ${cluster.name}`);
            }
            clusters[cluster.name] = new WorkloadCluster(
                cluster.name,
                {
                    region: config,
                    cluster,
                    plan: clusterPlan,
                    managementProvider: this.managementProvider,
                    inventory: shared.inventory,
                    vspherePassword: secrets.vspherePassword,
                    namespace: shared.namespace,
                    managementKubeconfig: secrets.managementKubeconfig,
                    routerSshKey: secrets.routerSshKey,
                    commandProvider: shared.commandProvider,
                },
                { parent: this },
            );
        }
        return clusters;
    }

    /** Stack output: cluster name -> endpoint, VIP, address block, pool range, version. */
    summary(): pulumi.Output<Record<string, ClusterSummary>> {
        // pulumi.output resolves the nested Outputs of the whole map at once.
        return pulumi.output(
            Object.fromEntries(
                Object.entries(this.clusters).map(([name, wc]) => [
                    name,
                    {
                        endpoint: wc.endpoint,
                        vip: wc.vip,
                        addressBlock: wc.addressBlock,
                        poolRange: wc.poolRange,
                        kubernetesVersion: wc.kubernetesVersion,
                        syncStatus: wc.argo.syncStatus,
                        healthStatus: wc.argo.healthStatus,
                    },
                ]),
            ),
        );
    }
}

/** Every Kubernetes version a cluster or worker pool runs, once each, sorted. */
function kubernetesVersions(config: RegionConfig): string[] {
    return [
        ...new Set(
            config.clusters.flatMap((c) => [
                c.kubernetesVersion,
                ...c.workerPools.map((p) => p.kubernetesVersion),
            ]),
        ),
    ].sort();
}
