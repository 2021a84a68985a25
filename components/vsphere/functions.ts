// vsphere data sources, shaped like @pulumi/vsphere 4.17.0's generated functions: a promise form
// (`getX(args, opts?: InvokeOptions)`) and an Output form (`getXOutput(args, opts?:
// InvokeOutputOptions)`) per data source, same argument and result property names.
// getVirtualMachine carries the subset of the generated arguments and results we use.
import * as pulumi from "@pulumi/pulumi";
import { vsphereFunctions } from "../constants";
import { withInvokeDefaults } from "./version";

// Plain and Output-form args send the same property bag; undefined values are dropped.
function invokePromise<R>(
    tok: string,
    props: pulumi.Inputs,
    opts?: pulumi.InvokeOptions,
): Promise<R> {
    return pulumi.runtime.invoke(tok, props, withInvokeDefaults(opts));
}

function invokeOutput<R>(
    tok: string,
    props: pulumi.Inputs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<R> {
    return pulumi.runtime.invokeOutput<R>(tok, props, withInvokeDefaults(opts));
}

// ---------------------------------------------------------------------------------------------
// getDatacenter

/** A collection of arguments for invoking getDatacenter. */
export interface GetDatacenterArgs {
    /** The name or path of the datacenter; may be omitted if there is only one. */
    name?: string;
}

/** A collection of arguments for invoking getDatacenter. */
export interface GetDatacenterOutputArgs {
    name?: pulumi.Input<string | undefined>;
}

/** A collection of values returned by getDatacenter. */
export interface GetDatacenterResult {
    /** The managed object ID of the datacenter. */
    readonly id: string;
    readonly name?: string;
    /** All virtual machines in the datacenter. */
    readonly virtualMachines: string[];
}

/** Looks up a datacenter by name. */
export function getDatacenter(
    args?: GetDatacenterArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetDatacenterResult> {
    args = args || {};
    return invokePromise(vsphereFunctions.getDatacenter, { name: args.name }, opts);
}

/** Looks up a datacenter by name. */
export function getDatacenterOutput(
    args?: GetDatacenterOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetDatacenterResult> {
    args = args || {};
    return invokeOutput(vsphereFunctions.getDatacenter, { name: args.name }, opts);
}

// ---------------------------------------------------------------------------------------------
// getComputeCluster

/** A collection of arguments for invoking getComputeCluster. */
export interface GetComputeClusterArgs {
    /** The datacenter the cluster is in; may be omitted if `name` is an absolute path. */
    datacenterId?: string;
    /** The name or absolute path of the cluster. */
    name: string;
}

/** A collection of arguments for invoking getComputeCluster. */
export interface GetComputeClusterOutputArgs {
    datacenterId?: pulumi.Input<string | undefined>;
    name: pulumi.Input<string>;
}

/** A collection of values returned by getComputeCluster. */
export interface GetComputeClusterResult {
    readonly datacenterId?: string;
    /** The managed object ID of the cluster. */
    readonly id: string;
    readonly name: string;
    /** The managed object ID of the cluster's root resource pool. */
    readonly resourcePoolId: string;
}

/** Looks up a compute cluster by name or path. */
export function getComputeCluster(
    args: GetComputeClusterArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetComputeClusterResult> {
    return invokePromise(
        vsphereFunctions.getComputeCluster,
        { datacenterId: args.datacenterId, name: args.name },
        opts,
    );
}

/** Looks up a compute cluster by name or path. */
export function getComputeClusterOutput(
    args: GetComputeClusterOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetComputeClusterResult> {
    return invokeOutput(
        vsphereFunctions.getComputeCluster,
        { datacenterId: args.datacenterId, name: args.name },
        opts,
    );
}

// ---------------------------------------------------------------------------------------------
// getDatastore

/** A collection of arguments for invoking getDatastore. */
export interface GetDatastoreArgs {
    /** The datacenter the datastore is in; may be omitted if `name` is an absolute path. */
    datacenterId?: string;
    /** The name or path of the datastore. */
    name: string;
    /** Disk space statistics (`capacity`, `free`). */
    stats?: { [key: string]: string };
}

/** A collection of arguments for invoking getDatastore. */
export interface GetDatastoreOutputArgs {
    datacenterId?: pulumi.Input<string | undefined>;
    name: pulumi.Input<string>;
    stats?: pulumi.Input<{ [key: string]: pulumi.Input<string> } | undefined>;
}

/** A collection of values returned by getDatastore. */
export interface GetDatastoreResult {
    readonly datacenterId?: string;
    /** The managed object ID of the datastore. */
    readonly id: string;
    readonly name: string;
    readonly stats?: { [key: string]: string };
}

/** Looks up a datastore by name or path. */
export function getDatastore(
    args: GetDatastoreArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetDatastoreResult> {
    return invokePromise(
        vsphereFunctions.getDatastore,
        { datacenterId: args.datacenterId, name: args.name, stats: args.stats },
        opts,
    );
}

/** Looks up a datastore by name or path. */
export function getDatastoreOutput(
    args: GetDatastoreOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetDatastoreResult> {
    return invokeOutput(
        vsphereFunctions.getDatastore,
        { datacenterId: args.datacenterId, name: args.name, stats: args.stats },
        opts,
    );
}

// ---------------------------------------------------------------------------------------------
// getNetwork

/** Filter for getNetwork (`types.input.GetNetworkFilter` in @pulumi/vsphere). */
export interface GetNetworkFilter {
    /** `DistributedVirtualPortgroup`, `Network` or `OpaqueNetwork`. */
    networkType?: string;
}

/** Filter for getNetworkOutput (`types.input.GetNetworkFilterArgs` in @pulumi/vsphere). */
export interface GetNetworkFilterArgs {
    networkType?: pulumi.Input<string | undefined>;
}

/** A collection of arguments for invoking getNetwork. */
export interface GetNetworkArgs {
    /** The datacenter the network is in; may be omitted if `name` is an absolute path. */
    datacenterId?: string;
    /** For distributed port groups: the UUID of the switch the port group belongs to. */
    distributedVirtualSwitchUuid?: string;
    filters?: GetNetworkFilter[];
    /** The name or path of the network. */
    name: string;
    /** Retry interval in milliseconds when `retryTimeout` is set. */
    retryInterval?: number;
    /** Seconds to keep retrying the read. */
    retryTimeout?: number;
    /** VPC scope for VPC subnets. */
    vpcId?: string;
}

/** A collection of arguments for invoking getNetwork. */
export interface GetNetworkOutputArgs {
    datacenterId?: pulumi.Input<string | undefined>;
    distributedVirtualSwitchUuid?: pulumi.Input<string | undefined>;
    filters?: pulumi.Input<pulumi.Input<GetNetworkFilterArgs>[] | undefined>;
    name: pulumi.Input<string>;
    retryInterval?: pulumi.Input<number | undefined>;
    retryTimeout?: pulumi.Input<number | undefined>;
    vpcId?: pulumi.Input<string | undefined>;
}

/** A collection of values returned by getNetwork. */
export interface GetNetworkResult {
    readonly datacenterId?: string;
    readonly distributedVirtualSwitchUuid?: string;
    readonly filters?: GetNetworkFilter[];
    /** The managed object ID of the network. */
    readonly id: string;
    readonly name: string;
    readonly retryInterval?: number;
    readonly retryTimeout?: number;
    /** `DistributedVirtualPortgroup`, `Network` or `OpaqueNetwork`. */
    readonly type: string;
    readonly vpcId?: string;
}

function networkProps(args: GetNetworkArgs | GetNetworkOutputArgs): pulumi.Inputs {
    return {
        datacenterId: args.datacenterId,
        distributedVirtualSwitchUuid: args.distributedVirtualSwitchUuid,
        filters: args.filters,
        name: args.name,
        retryInterval: args.retryInterval,
        retryTimeout: args.retryTimeout,
        vpcId: args.vpcId,
    };
}

/** Looks up a network (port group, distributed port group, opaque network) by name or path. */
export function getNetwork(
    args: GetNetworkArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetNetworkResult> {
    return invokePromise(vsphereFunctions.getNetwork, networkProps(args), opts);
}

/** Looks up a network (port group, distributed port group, opaque network) by name or path. */
export function getNetworkOutput(
    args: GetNetworkOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetNetworkResult> {
    return invokeOutput(vsphereFunctions.getNetwork, networkProps(args), opts);
}

// ---------------------------------------------------------------------------------------------
// getResourcePool

/** A collection of arguments for invoking getResourcePool. */
export interface GetResourcePoolArgs {
    /** The datacenter the pool is in; may be omitted if `name` is an absolute path. */
    datacenterId?: string;
    /** The name or path of the resource pool; required with vCenter. */
    name?: string;
    /** Find `name` among the children of this pool. */
    parentResourcePoolId?: string;
}

/** A collection of arguments for invoking getResourcePool. */
export interface GetResourcePoolOutputArgs {
    datacenterId?: pulumi.Input<string | undefined>;
    name?: pulumi.Input<string | undefined>;
    parentResourcePoolId?: pulumi.Input<string | undefined>;
}

/** A collection of values returned by getResourcePool. */
export interface GetResourcePoolResult {
    readonly datacenterId?: string;
    /** The managed object ID of the resource pool. */
    readonly id: string;
    readonly name?: string;
    readonly parentResourcePoolId?: string;
}

function resourcePoolProps(args: GetResourcePoolArgs | GetResourcePoolOutputArgs): pulumi.Inputs {
    return {
        datacenterId: args.datacenterId,
        name: args.name,
        parentResourcePoolId: args.parentResourcePoolId,
    };
}

/** Looks up a resource pool by name or path. */
export function getResourcePool(
    args?: GetResourcePoolArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetResourcePoolResult> {
    return invokePromise(vsphereFunctions.getResourcePool, resourcePoolProps(args || {}), opts);
}

/** Looks up a resource pool by name or path. */
export function getResourcePoolOutput(
    args?: GetResourcePoolOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetResourcePoolResult> {
    return invokeOutput(vsphereFunctions.getResourcePool, resourcePoolProps(args || {}), opts);
}

// ---------------------------------------------------------------------------------------------
// getFolder

/** A collection of arguments for invoking getFolder. */
export interface GetFolderArgs {
    /** The absolute path of the folder, e.g. `/dc-01/vm/k8s`. */
    path: string;
}

/** A collection of arguments for invoking getFolder. */
export interface GetFolderOutputArgs {
    path: pulumi.Input<string>;
}

/** A collection of values returned by getFolder. */
export interface GetFolderResult {
    /** The managed object ID of the folder. */
    readonly id: string;
    readonly path: string;
}

/** Looks up an inventory folder by absolute path. */
export function getFolder(
    args: GetFolderArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetFolderResult> {
    return invokePromise(vsphereFunctions.getFolder, { path: args.path }, opts);
}

/** Looks up an inventory folder by absolute path. */
export function getFolderOutput(
    args: GetFolderOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetFolderResult> {
    return invokeOutput(vsphereFunctions.getFolder, { path: args.path }, opts);
}

// ---------------------------------------------------------------------------------------------
// getVirtualMachine (subset of the generated arguments and results)

/** A disk of the VM (`types.output.GetVirtualMachineDisk` in @pulumi/vsphere). */
export interface GetVirtualMachineDisk {
    readonly eagerlyScrub: boolean;
    readonly label: string;
    /** Size in GiB. */
    readonly size: number;
    readonly thinProvisioned: boolean;
    readonly unitNumber: number;
}

/** A NIC of the VM (`types.output.GetVirtualMachineNetworkInterface` in @pulumi/vsphere). */
export interface GetVirtualMachineNetworkInterface {
    readonly adapterType: string;
    readonly bandwidthLimit?: number;
    readonly bandwidthReservation?: number;
    readonly bandwidthShareCount: number;
    readonly bandwidthShareLevel?: string;
    readonly macAddress: string;
    readonly networkId: string;
    readonly physicalFunction: string;
}

/** A collection of arguments for invoking getVirtualMachine. */
export interface GetVirtualMachineArgs {
    /** The datacenter the VM is in; may be omitted if `name` is an absolute path. */
    datacenterId?: string;
    /** The VM folder, when the full path in `name` would exceed 80 characters. */
    folder?: string;
    ideControllerScanCount?: number;
    moid?: string;
    /** The name or path (relative to the datacenter) of the VM or template. */
    name?: string;
    nvmeControllerScanCount?: number;
    sataControllerScanCount?: number;
    scsiControllerScanCount?: number;
    /** Look up by UUID instead of name. */
    uuid?: string;
}

/** A collection of arguments for invoking getVirtualMachine. */
export interface GetVirtualMachineOutputArgs {
    datacenterId?: pulumi.Input<string | undefined>;
    folder?: pulumi.Input<string | undefined>;
    ideControllerScanCount?: pulumi.Input<number | undefined>;
    moid?: pulumi.Input<string | undefined>;
    name?: pulumi.Input<string | undefined>;
    nvmeControllerScanCount?: pulumi.Input<number | undefined>;
    sataControllerScanCount?: pulumi.Input<number | undefined>;
    scsiControllerScanCount?: pulumi.Input<number | undefined>;
    uuid?: pulumi.Input<string | undefined>;
}

/** A collection of values returned by getVirtualMachine (subset). */
export interface GetVirtualMachineResult {
    readonly annotation: string;
    readonly datacenterId?: string;
    readonly disks: GetVirtualMachineDisk[];
    /** `bios` or `efi`. */
    readonly firmware?: string;
    readonly folder?: string;
    readonly guestId: string;
    readonly hardwareVersion: number;
    /** The provider-assigned ID (the VM's UUID). */
    readonly id: string;
    readonly instanceUuid: string;
    /** Memory in MB. */
    readonly memory?: number;
    readonly moid: string;
    readonly name?: string;
    readonly networkInterfaceTypes: string[];
    readonly networkInterfaces: GetVirtualMachineNetworkInterface[];
    readonly numCoresPerSocket?: number;
    readonly numCpus?: number;
    readonly scsiBusSharing: string;
    readonly scsiType: string;
    readonly storagePolicyId: string;
    readonly tags: string[];
    readonly uuid: string;
}

function virtualMachineProps(
    args: GetVirtualMachineArgs | GetVirtualMachineOutputArgs,
): pulumi.Inputs {
    return {
        datacenterId: args.datacenterId,
        folder: args.folder,
        ideControllerScanCount: args.ideControllerScanCount,
        moid: args.moid,
        name: args.name,
        nvmeControllerScanCount: args.nvmeControllerScanCount,
        sataControllerScanCount: args.sataControllerScanCount,
        scsiControllerScanCount: args.scsiControllerScanCount,
        uuid: args.uuid,
    };
}

/** Looks up a VM or template by name, path, UUID or moid. */
export function getVirtualMachine(
    args?: GetVirtualMachineArgs,
    opts?: pulumi.InvokeOptions,
): Promise<GetVirtualMachineResult> {
    return invokePromise(vsphereFunctions.getVirtualMachine, virtualMachineProps(args || {}), opts);
}

/** Looks up a VM or template by name, path, UUID or moid. */
export function getVirtualMachineOutput(
    args?: GetVirtualMachineOutputArgs,
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetVirtualMachineResult> {
    return invokeOutput(vsphereFunctions.getVirtualMachine, virtualMachineProps(args || {}), opts);
}
