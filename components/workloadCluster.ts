// One workload cluster: its vSphere footprint (folder, resource pool, tag), its CAPI objects in
// the management cluster, and (through ArgoRegistration) its hand-off to the region's Argo CD.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ArgoRegistration } from "./argoRegistration";
import { BgpListenRange } from "./bgp/listenRange";
import * as capi from "./capi";
import { ClusterConfig, ClusterIpPlan, RegionConfig } from "./config/types";
import { types } from "./constants";
import * as vsphere from "./vsphere";
import { Placement, childFolderPath, vmFolderPaths } from "./vsphere/preflight";

/** What a region shares with its clusters when cluster-fleet manages the vSphere inventory. */
export interface RegionInventory {
    /** vSphere provider of the region's vCenter. */
    readonly provider: pulumi.ProviderResource;
    /** Pre-flight lookups of the region's vSphere placement. */
    readonly placement: Placement;
    /** The region's tag category, for the per-cluster tag. */
    readonly tagCategoryId: pulumi.Input<string>;
}

export interface WorkloadClusterArgs {
    /** The validated region this cluster belongs to. */
    readonly region: RegionConfig;
    /** This cluster's configuration. */
    readonly cluster: ClusterConfig;
    /** This cluster's slice of the region IP plan. */
    readonly plan: ClusterIpPlan;
    /** Kubernetes provider of the region's management cluster. */
    readonly managementProvider: k8s.Provider;
    /** The region's vCenter inventory handles; absent when vsphere.manageInventory is false. */
    readonly inventory?: RegionInventory;
    /** vCenter password (secret), for the per-cluster CAPV credentials Secret. */
    readonly vspherePassword: pulumi.Input<string>;
    /** Namespace resource holding the CAPI objects, so it outlives them on destroy. */
    readonly namespace?: pulumi.Resource;
    /** Management kubeconfig (secret), for the API-server readiness wait. */
    readonly managementKubeconfig: pulumi.Input<string>;
    /** SSH key for the routers' listen-range commands (secret); needed when a router has ssh. */
    readonly routerSshKey?: pulumi.Input<string>;
    /** Provider for @pulumi/command (default providers are disabled). */
    readonly commandProvider?: pulumi.ProviderResource;
}

/**
 * A changed template spec gets a new name, so Pulumi replaces the template in the same `up` that
 * moves the KCP/MachineDeployment reference, while CAPI's rollout still has old machines (and
 * the old MachineSet) pointing at the old template. Pulumi therefore leaves replaced and removed
 * templates in place: CAPI makes the Cluster their owner, so they go with the Cluster.
 */
const RETAIN_TEMPLATE: pulumi.CustomResourceOptions = { retainOnDelete: true };

/** CAPI deletes machines and VMs before the Cluster object goes; give it time. */
const CLUSTER_DELETE_TIMEOUT = "60m";

/** Where the cluster's machines go, and the vSphere objects (if any) that must exist first. */
interface Footprint {
    readonly placement: capi.VmPlacement;
    /** Folder, resource pool and tag, when cluster-fleet manages the inventory. */
    readonly resources: pulumi.Resource[];
}

/** The CAPI objects the rest of the cluster hangs off. */
interface CapiObjects {
    /** The Cluster: depends on every other CAPI object, so destroy deletes it first. */
    readonly cluster: k8s.apiextensions.CustomResource;
    readonly controlPlane: k8s.apiextensions.CustomResource;
}

export class WorkloadCluster extends pulumi.ComponentResource {
    /** The CAPI Cluster object; the Argo CD hand-off and destroy order hang off it. */
    public readonly capiCluster: k8s.apiextensions.CustomResource;
    /** The KubeadmControlPlane (creates the `<cluster>-kubeconfig` Secret). */
    public readonly controlPlane: k8s.apiextensions.CustomResource;
    public readonly endpoint: pulumi.Output<string>;
    public readonly vip: pulumi.Output<string>;
    public readonly addressBlock: pulumi.Output<string>;
    public readonly poolRange: pulumi.Output<string>;
    public readonly kubernetesVersion: pulumi.Output<string>;
    /** The Argo CD hand-off: readiness, registration, cluster-config and its sync. */
    public readonly argo: ArgoRegistration;
    /** Router listen ranges, when any router of the region is managed over SSH. */
    public readonly bgp?: BgpListenRange;

    constructor(name: string, args: WorkloadClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(types.WorkloadCluster, name, {}, opts);
        const { region, cluster, plan } = args;
        const ctx: capi.ClusterContext = { region, cluster, plan };
        const footprint = this.vsphereFootprint(ctx, args.inventory);
        const objects = this.capiObjects(ctx, args, footprint);
        this.capiCluster = objects.cluster;
        this.controlPlane = objects.controlPlane;
        this.bgp = this.bgpListenRange(ctx, args);
        this.argo = this.argoHandOff(ctx, args, objects, this.bgp);

        this.vip = pulumi.output(plan.vip);
        this.endpoint = pulumi.output(capi.apiServerEndpoint(plan));
        this.addressBlock = pulumi.output(plan.block);
        this.poolRange = pulumi.output(`${plan.poolStart}-${plan.poolEnd}`);
        this.kubernetesVersion = pulumi.output(cluster.kubernetesVersion);
        this.registerOutputs({
            endpoint: this.endpoint,
            vip: this.vip,
            addressBlock: this.addressBlock,
            poolRange: this.poolRange,
            kubernetesVersion: this.kubernetesVersion,
        });
    }

    /**
     * The cluster's folder, resource pool and tag in vCenter (when cluster-fleet manages the
     * inventory), and the absolute inventory paths the machine templates place VMs at, so CAPV
     * resolves them without guessing the datacenter.
     */
    private vsphereFootprint(ctx: capi.ClusterContext, inv?: RegionInventory): Footprint {
        const { region } = ctx;
        const c = ctx.cluster.name;
        const dc = region.vsphere.datacenter;
        const parentFolder = vmFolderPaths(dc, region.vsphere.folder).absolute;
        const parentPool = `/${dc}/host/${region.vsphere.resourcePool.replace(/^\/+|\/+$/g, "")}`;
        if (!inv) {
            // Inventory managed elsewhere: machines go into the configured folder and pool.
            const placement = {
                folder: parentFolder,
                resourcePool: parentPool,
                tagIds: [],
                tagNames: [],
            };
            return { placement, resources: [] };
        }
        const vsOpts = { parent: this, provider: inv.provider };
        const folder = new vsphere.Folder(
            `${c}-folder`,
            {
                path: childFolderPath(inv.placement.parentFolderPath, c),
                type: "vm",
                datacenterId: inv.placement.datacenterId,
            },
            vsOpts,
        );
        const pool = new vsphere.ResourcePool(
            `${c}-pool`,
            { name: c, parentResourcePoolId: inv.placement.parentResourcePoolId },
            vsOpts,
        );
        const tag = new vsphere.Tag(
            `${c}-tag`,
            {
                name: c,
                categoryId: inv.tagCategoryId,
                description: `cluster-fleet workload cluster ${c} in region ${region.region}`,
            },
            vsOpts,
        );
        const placement = {
            folder: `${parentFolder}/${c}`,
            resourcePool: `${parentPool}/${c}`,
            tagIds: [tag.id],
            tagNames: [c],
        };
        return { placement, resources: [folder, pool, tag] };
    }

    /**
     * The CAPI objects in the management cluster. Every one waits for the vSphere footprint (and
     * the namespace); the Cluster depends on all the others, so that destroy deletes it first and
     * CAPI tears machines down in order while the pool and credentials still exist.
     */
    private capiObjects(
        ctx: capi.ClusterContext,
        args: WorkloadClusterArgs,
        footprint: Footprint,
    ): CapiObjects {
        const { region, cluster } = ctx;
        const c = cluster.name;
        const mgmt = { parent: this, provider: args.managementProvider };
        const infraDeps: pulumi.Resource[] = [
            ...footprint.resources,
            ...(args.namespace ? [args.namespace] : []),
        ];
        const cr: CapiRegistrar = (logical, m, extra = {}) =>
            new k8s.apiextensions.CustomResource(
                logical,
                { apiVersion: m.apiVersion, kind: m.kind, metadata: m.metadata, spec: m.spec },
                { ...mgmt, dependsOn: infraDeps, ...extra },
            );

        const credentials = new k8s.core.v1.Secret(
            `${c}-vsphere-credentials`,
            capi.credentialsSecret(ctx, args.vspherePassword),
            { ...mgmt, dependsOn: infraDeps, additionalSecretOutputs: ["stringData", "data"] },
        );
        const ipPool = cr(`${c}-ippool`, capi.ipPool(ctx));
        const vsphereCluster = cr(`${c}-vspherecluster`, capi.vsphereCluster(ctx));
        const cp = controlPlaneObjects(ctx, footprint.placement, cr, infraDeps);
        const deployments = workerDeployments(ctx, footprint.placement, cr, infraDeps);
        const healthCheck = cr(`${c}-health-check`, capi.machineHealthCheck(ctx));

        const capiCluster = cr(`${c}-cluster`, capi.capiCluster(ctx), {
            dependsOn: [
                ...infraDeps,
                credentials,
                ipPool,
                vsphereCluster,
                cp.template,
                cp.controlPlane,
                ...deployments,
                healthCheck,
            ],
            protect: region.environment === "prod",
            customTimeouts: { delete: CLUSTER_DELETE_TIMEOUT },
        });
        return { cluster: capiCluster, controlPlane: cp.controlPlane };
    }

    /**
     * The routers' listen ranges for the cluster's nodes, when any router is managed over SSH:
     * routers must accept the nodes' BGP sessions before Calico's peers are synced.
     */
    private bgpListenRange(
        ctx: capi.ClusterContext,
        args: WorkloadClusterArgs,
    ): BgpListenRange | undefined {
        const { region } = ctx;
        if (!region.bgp.routers.some((r) => r.ssh !== undefined)) return undefined;
        if (args.routerSshKey === undefined || args.commandProvider === undefined) {
            throw new Error(
                `cluster-fleet:routerSshKey is required: bgp.routers has routers with ssh set`,
            );
        }
        const hostKeys: Record<string, string> = {};
        for (const r of region.bgp.routers) {
            if (r.ssh?.hostKey) hostKeys[r.name] = r.ssh.hostKey;
        }
        return new BgpListenRange(
            `${ctx.cluster.name}-bgp`,
            { ...ctx, privateKey: args.routerSshKey, hostKeys },
            // Protected in prod like the Cluster: removing a cluster from config must fail
            // before the routers stop accepting its nodes.
            {
                parent: this,
                providers: { command: args.commandProvider },
                protect: region.environment === "prod",
            },
        );
    }

    /** The Argo CD hand-off: waits for the CAPI objects and (if any) the routers' listen ranges. */
    private argoHandOff(
        ctx: capi.ClusterContext,
        args: WorkloadClusterArgs,
        objects: CapiObjects,
        bgp: BgpListenRange | undefined,
    ): ArgoRegistration {
        return new ArgoRegistration(
            `${ctx.cluster.name}-argocd`,
            {
                ...ctx,
                managementProvider: args.managementProvider,
                managementKubeconfig: args.managementKubeconfig,
                vspherePassword: args.vspherePassword,
                capiObjects: [objects.cluster, objects.controlPlane],
                syncAfter: bgp ? Object.values(bgp.commands) : [],
            },
            // Protected in prod (children inherit it): deletes run dependents first, so without
            // this an accidental removal would prune Calico and the CPI through the Application's
            // finalizer before the protected Cluster stopped the run.
            { parent: this, protect: ctx.region.environment === "prod" },
        );
    }
}

/** Registers one CAPI object in the management cluster, after the vSphere footprint. */
type CapiRegistrar = (
    logical: string,
    m: capi.Manifest,
    extra?: pulumi.CustomResourceOptions,
) => k8s.apiextensions.CustomResource;

/** The control plane's machine template and the KubeadmControlPlane that uses it. */
function controlPlaneObjects(
    ctx: capi.ClusterContext,
    placement: capi.VmPlacement,
    cr: CapiRegistrar,
    infraDeps: pulumi.Resource[],
) {
    const { cluster } = ctx;
    const c = cluster.name;
    const templateManifest = capi.machineTemplate(
        ctx,
        "control-plane",
        "cp",
        cluster.controlPlane,
        cluster.kubernetesVersion,
        placement,
    );
    const template = cr(`${c}-cp-template`, templateManifest, RETAIN_TEMPLATE);
    const controlPlane = cr(
        `${c}-control-plane`,
        capi.controlPlane(ctx, templateManifest.metadata.name),
        { dependsOn: [...infraDeps, template] },
    );
    return { template, controlPlane };
}

/** Per worker pool: machine template, bootstrap template and the MachineDeployment using both. */
function workerDeployments(
    ctx: capi.ClusterContext,
    placement: capi.VmPlacement,
    cr: CapiRegistrar,
    infraDeps: pulumi.Resource[],
): k8s.apiextensions.CustomResource[] {
    const c = ctx.cluster.name;
    return ctx.cluster.workerPools.flatMap((wp) => {
        const mt = capi.machineTemplate(
            ctx,
            "worker",
            wp.name,
            wp,
            wp.kubernetesVersion,
            placement,
        );
        const bt = capi.kubeadmConfigTemplate(ctx, wp);
        const mtRes = cr(`${c}-${wp.name}-template`, mt, RETAIN_TEMPLATE);
        const btRes = cr(`${c}-${wp.name}-bootstrap`, bt, RETAIN_TEMPLATE);
        const md = capi.machineDeployment(ctx, wp, mt.metadata.name, bt.metadata.name);
        return [
            mtRes,
            btRes,
            cr(`${c}-${wp.name}`, md, { dependsOn: [...infraDeps, mtRes, btRes] }),
        ];
    });
}
