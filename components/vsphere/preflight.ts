// Pre-flight placement lookups: resolves every vSphere object a region's clusters are placed in
// through the provider's data sources, so a typo in the region config fails `pulumi preview` with
// a message naming the config key, the object and the datacenter, before anything is created.
import * as pulumi from "@pulumi/pulumi";
import { VsphereConfig } from "../config/types";
import { redact } from "../providers/redact";
import {
    getComputeCluster,
    getDatacenter,
    getDatastore,
    getFolder,
    getNetwork,
    getResourcePool,
    getVirtualMachine,
} from "./index";

/** Managed object IDs of where a region's machines go. */
export interface Placement {
    readonly datacenterId: pulumi.Output<string>;
    readonly computeClusterId: pulumi.Output<string>;
    /** The pool `vsphere.resourcePool` names; per-cluster pools are created under it. */
    readonly parentResourcePoolId: pulumi.Output<string>;
    readonly datastoreId: pulumi.Output<string>;
    readonly networkId: pulumi.Output<string>;
    /** VM template ID per Kubernetes version asked for (keys as given, e.g. "v1.34.2"). */
    readonly templateIds: Readonly<Record<string, pulumi.Output<string>>>;
    /**
     * `vsphere.folder` relative to the datacenter's VM folder, without leading or trailing
     * slash ("" is the VM folder itself): the form `vsphere.Folder` `path` (type "vm") takes.
     */
    readonly parentFolderPath: string;
    /** The managed object ID of the parent VM folder. */
    readonly parentFolderId: pulumi.Output<string>;
}

export interface PlacementOptions {
    /** The region's vsphere provider; every lookup goes through it. */
    readonly provider: pulumi.ProviderResource;
    readonly parent: pulumi.Resource;
}

/** Absolute (`/dc/vm/a/b`) and VM-folder-relative (`a/b`) forms of `vsphere.folder`. */
export interface VmFolderPaths {
    readonly absolute: string;
    readonly relative: string;
}

/**
 * Resolves `vsphere.folder`, given either as an inventory path under the datacenter's VM folder
 * ("/dc-eu1/vm/k8s") or relative to it ("k8s").
 */
export function vmFolderPaths(datacenter: string, folder: string): VmFolderPaths {
    const dc = datacenter.replace(/^\/+|\/+$/g, "");
    const root = `/${dc}/vm`;
    const f = folder.trim().replace(/\/+$/, "");
    if (!f.startsWith("/")) {
        const relative = f.replace(/^\/+/, "");
        return { absolute: relative ? `${root}/${relative}` : root, relative };
    }
    if (f === root) {
        return { absolute: root, relative: "" };
    }
    if (f.startsWith(`${root}/`)) {
        return { absolute: f, relative: f.slice(root.length + 1) };
    }
    throw new Error(
        `vsphere.folder "${folder}" is not inside the VM folder of datacenter "${datacenter}" ` +
            `(${root}); give a path under it, e.g. "${root}/k8s", or one relative to it, e.g. "k8s"`,
    );
}

/** `path` of a child VM folder under `parent` (a `Placement.parentFolderPath`). */
export function childFolderPath(parent: string, name: string): string {
    return parent ? `${parent}/${name}` : name;
}

/**
 * Looks up the datacenter, compute cluster, parent resource pool, datastore, network, parent VM
 * folder and the VM template of each Kubernetes version through `opts.provider`. Config errors
 * (a version without template, a folder outside the datacenter) throw at once; a lookup that
 * fails rejects the affected outputs with a `pulumi.RunError` naming the config key.
 */
export function lookupPlacement(
    vsphere: VsphereConfig,
    kubernetesVersions: readonly string[],
    opts: PlacementOptions,
): Placement {
    const versions = [...new Set(kubernetesVersions)];
    assertTemplates(vsphere, versions);
    const folder = vmFolderPaths(vsphere.datacenter, vsphere.folder);
    const invokeOpts: pulumi.InvokeOptions = { provider: opts.provider, parent: opts.parent };
    const server = vsphere.server;

    const datacenter = guard("vsphere.datacenter", vsphere.datacenter, undefined, server, () =>
        getDatacenter({ name: vsphere.datacenter }, invokeOpts),
    );
    const inDatacenter = datacenterScope(vsphere, datacenter);
    const cluster = inDatacenter("vsphere.computeCluster", vsphere.computeCluster, (dcId) =>
        getComputeCluster({ name: vsphere.computeCluster, datacenterId: dcId }, invokeOpts),
    );
    const pool = inDatacenter("vsphere.resourcePool", vsphere.resourcePool, (dcId) =>
        getResourcePool({ name: vsphere.resourcePool, datacenterId: dcId }, invokeOpts),
    );
    const datastore = inDatacenter("vsphere.datastore", vsphere.datastore, (dcId) =>
        getDatastore({ name: vsphere.datastore, datacenterId: dcId }, invokeOpts),
    );
    const network = inDatacenter("vsphere.network", vsphere.network, (dcId) =>
        getNetwork({ name: vsphere.network, datacenterId: dcId }, invokeOpts),
    );
    // getFolder takes an absolute path; waiting for the datacenter keeps the error order sane.
    const parentFolder = inDatacenter("vsphere.folder", folder.absolute, () =>
        getFolder({ path: folder.absolute }, invokeOpts),
    );
    const templateIds = lookupTemplates(vsphere, versions, inDatacenter, invokeOpts);

    return {
        datacenterId: idOf(datacenter),
        computeClusterId: idOf(cluster),
        parentResourcePoolId: idOf(pool),
        datastoreId: idOf(datastore),
        networkId: idOf(network),
        templateIds,
        parentFolderPath: folder.relative,
        parentFolderId: idOf(parentFolder),
    };
}

/** Every Kubernetes version asked for has a VM template in config (checked before any lookup). */
function assertTemplates(vsphere: VsphereConfig, versions: readonly string[]): void {
    for (const v of versions) {
        if (!vsphere.templates[v]) {
            const have = Object.keys(vsphere.templates).sort().join(", ") || "none";
            throw new Error(
                `vsphere.templates has no VM template for Kubernetes ${v}; add ` +
                    `"${v}": "<template name>" to vsphere.templates (have: ${have})`,
            );
        }
    }
}

/** Runs a lookup inside the datacenter once it is found, guarded with the config key. */
type InDatacenter = <T extends { id: string }>(
    key: string,
    value: string,
    run: (datacenterId: string) => Promise<T>,
) => Promise<T>;

/** Lookups inside the datacenter wait for it, so its failure rejects them all. */
function datacenterScope(
    vsphere: VsphereConfig,
    datacenter: Promise<{ id: string }>,
): InDatacenter {
    return (key, value, run) =>
        datacenter.then((dc) =>
            guard(key, value, vsphere.datacenter, vsphere.server, () => run(dc.id)),
        );
}

/** The VM template ID of each version, keyed as given. */
function lookupTemplates(
    vsphere: VsphereConfig,
    versions: readonly string[],
    inDatacenter: InDatacenter,
    invokeOpts: pulumi.InvokeOptions,
): Record<string, pulumi.Output<string>> {
    const templateIds: Record<string, pulumi.Output<string>> = {};
    for (const v of versions) {
        const name = vsphere.templates[v];
        templateIds[v] = idOf(
            inDatacenter(`vsphere.templates["${v}"]`, name, (dcId) =>
                getVirtualMachine({ name, datacenterId: dcId }, invokeOpts),
            ),
        );
    }
    return templateIds;
}

function idOf(result: Promise<{ id: string }>): pulumi.Output<string> {
    return pulumi.output(result.then((r) => r.id));
}

const NOT_FOUND =
    /not found|no such|cannot find|can't find|could not find|couldn't find|does not exist|\b404\b/i;

/** Runs one lookup; rethrows a failure, or a result without an ID, with the config context. */
async function guard<T extends { id: string }>(
    key: string,
    value: string,
    datacenter: string | undefined,
    server: string,
    run: () => Promise<T>,
): Promise<T> {
    const where = datacenter === undefined ? "" : ` in datacenter "${datacenter}"`;
    let result: T;
    try {
        result = await run();
    } catch (err) {
        const message = providerMessage(err);
        const what = NOT_FOUND.test(message) ? "was not found" : "could not be looked up";
        throw new pulumi.RunError(
            `${key} "${value}" ${what}${where} (vCenter ${server}): ${message}`,
        );
    }
    if (typeof result?.id !== "string" || result.id === "") {
        throw new pulumi.RunError(
            `${key} "${value}"${where} (vCenter ${server}): the provider returned no ID`,
        );
    }
    return result;
}

// The engine's message is in `details` on gRPC errors; the SDK copies it into `message`.
function providerMessage(err: unknown): string {
    const e = err as { details?: unknown; message?: unknown } | undefined;
    const raw =
        (typeof e?.details === "string" && e.details) ||
        (typeof e?.message === "string" && e.message) ||
        (typeof err === "string" ? err : "");
    return redact(raw.trim()) || "no message from the provider";
}
