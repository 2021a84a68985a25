// One region: explicit providers for its management cluster and vCenter, the vSphere pre-flight
// lookups, the shared tag category and CAPI namespace, and a WorkloadCluster per desired cluster.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LoadedRegion } from "./config/load";
import { types } from "./constants";
import * as vsphere from "./vsphere";
import { lookupPlacement } from "./vsphere/preflight";
import { RegionInventory, WorkloadCluster } from "./workloadCluster";

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
        const { config, plan, secrets } = args.loaded;

        // clusterIdentifier keeps the provider (and everything under it) from being replaced when
        // the management kubeconfig's credentials rotate.
        this.managementProvider = new k8s.Provider(
            `${config.region}-management`,
            {
                kubeconfig: secrets.managementKubeconfig,
                clusterIdentifier: `${config.region}-management`,
            },
            { parent: this },
        );
        // vCenter is only talked to when cluster-fleet manages the per-cluster inventory.
        let inventory: RegionInventory | undefined;
        if (config.vsphere.manageInventory) {
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
            const versions = [
                ...new Set(
                    config.clusters.flatMap((c) => [
                        c.kubernetesVersion,
                        ...c.workerPools.map((p) => p.kubernetesVersion),
                    ]),
                ),
            ].sort();
            const placement = lookupPlacement(config.vsphere, versions, {
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
            inventory = { provider: vsphereProvider, placement, tagCategoryId: tagCategory.id };
        }
        const commandProvider = config.bgp.routers.some((r) => r.ssh !== undefined)
            ? new command.Provider(`${config.region}-command`, {}, { parent: this })
            : undefined;
        const namespace = new k8s.core.v1.Namespace(
            `${config.region}-capi-namespace`,
            { metadata: { name: config.management.namespace } },
            {
                parent: this,
                provider: this.managementProvider,
                protect: config.environment === "prod",
            },
        );

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
                    inventory,
                    vspherePassword: secrets.vspherePassword,
                    namespace,
                    managementKubeconfig: secrets.managementKubeconfig,
                    routerSshKey: secrets.routerSshKey,
                    commandProvider,
                },
                { parent: this },
            );
        }
        this.clusters = clusters;
        this.registerOutputs({});
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
