import * as pulumi from "@pulumi/pulumi";
import { apiGroups, apiVersions, kinds, labels } from "../constants";
import { MachineShape } from "../config/types";
import { ClusterContext, clusterLabels, namespaceOf } from "./context";
import { Manifest } from "./manifest";
import { objectNames, templateName } from "./names";

/** Where the VMs go; resolved from the per-cluster vSphere folder, pool and tag. */
export interface VmPlacement {
    /** VM folder path, e.g. "fleet/eu1-c1". */
    readonly folder: string;
    /** Resource pool path, e.g. "cluster1/Resources/fleet/eu1-c1". */
    readonly resourcePool: string;
    /** vSphere tag IDs attached to every VM (known only once the tags exist). */
    readonly tagIds: readonly pulumi.Input<string>[];
    /** The same tags' names: they stand in for the IDs in the name hash, which must be known at preview. */
    readonly tagNames: readonly string[];
}

export type MachineRole = "control-plane" | "worker";

/**
 * A VSphereMachineTemplate with static addressing from the cluster's InClusterIPPool: DHCP off,
 * no gateway4 (CAPV takes the gateway from the IPAddress and rejects a different one).
 */
export function machineTemplate(
    ctx: ClusterContext,
    role: MachineRole,
    poolName: string,
    shape: MachineShape,
    kubernetesVersion: string,
    placement: VmPlacement,
): Manifest {
    const templateSpec = vsphereMachineSpec(ctx, shape, kubernetesVersion, placement);
    const spec = { template: { spec: templateSpec } };
    const role_ = role === "control-plane" ? "cp" : poolName;
    const hashed = { template: { spec: { ...templateSpec, tagIDs: [...placement.tagNames] } } };
    return {
        apiVersion: apiVersions.infrastructure,
        kind: kinds.VSphereMachineTemplate,
        metadata: {
            name: templateName(ctx.cluster.name, role_, hashed),
            namespace: namespaceOf(ctx),
            labels: { ...clusterLabels(ctx), [labels.role]: role },
        },
        spec,
    };
}

/** The VM a machine clones: vCenter, placement, template, size, tags and network. */
function vsphereMachineSpec(
    ctx: ClusterContext,
    shape: MachineShape,
    kubernetesVersion: string,
    placement: VmPlacement,
) {
    // The spec holds Inputs (tag IDs); everything else is plain and known at preview.
    const vs = ctx.region.vsphere;
    return {
        server: vs.server,
        thumbprint: vs.thumbprint,
        datacenter: vs.datacenter,
        ...(vs.storagePolicy
            ? { storagePolicyName: vs.storagePolicy }
            : { datastore: vs.datastore }),
        folder: placement.folder,
        resourcePool: placement.resourcePool,
        template: vs.templates[kubernetesVersion],
        cloneMode: "fullClone",
        numCPUs: shape.cpus,
        memoryMiB: shape.memoryMiB,
        diskGiB: shape.diskGiB,
        os: "Linux",
        powerOffMode: "trySoft",
        ...(placement.tagIds.length > 0 ? { tagIDs: [...placement.tagIds] } : {}),
        network: { devices: [networkDevice(ctx)] },
    };
}

/** The one NIC: addresses from the cluster's InClusterIPPool, the region's DNS. */
function networkDevice(ctx: ClusterContext) {
    const net = ctx.region.network;
    return {
        networkName: ctx.region.vsphere.network,
        dhcp4: false,
        dhcp6: false,
        addressesFromPools: [
            {
                apiGroup: apiGroups.ipam,
                kind: kinds.InClusterIPPool,
                name: objectNames(ctx.cluster.name).ipPool,
            },
        ],
        nameservers: [...net.nameservers],
        ...(net.searchDomains.length > 0 ? { searchDomains: [...net.searchDomains] } : {}),
    };
}
