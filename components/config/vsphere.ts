// Validates the region's `vsphere` section: the vCenter and its certificate, the inventory objects
// the machines are placed in, and the VM template of each Kubernetes version.
import { vmFolderPaths } from "../vsphere/preflight";
import { Checker } from "./checker";
import { parseKubernetesVersion } from "./kubernetesVersion";
import { VsphereConfig } from "./types";

const THUMBPRINT = /^([0-9A-Fa-f]{2}:){19}[0-9A-Fa-f]{2}$/;
/** A host name or IPv4 address (what vsphere.conf and the CPI Secret keys accept). */
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

const VSPHERE_KEYS = [
    "server",
    "thumbprint",
    "username",
    "datacenter",
    "computeCluster",
    "datastore",
    "network",
    "folder",
    "resourcePool",
    "templates",
    "tagCategory",
    "storagePolicy",
    "manageInventory",
] as const;

export function parseVsphere(c: Checker, v: unknown): VsphereConfig {
    const p = "vsphere";
    const o = c.object(p, v, VSPHERE_KEYS);
    const thumbprint = parseThumbprint(c, `${p}.thumbprint`, o.thumbprint);
    const templates = parseTemplates(c, `${p}.templates`, o.templates);
    const datacenter = placement(c, p, o, "datacenter", "datacenter");
    const folder = placement(c, p, o, "folder", "parent VM folder");
    checkFolder(c, p, datacenter, folder);
    return {
        server: vcenterHost(c, `${p}.server`, o.server),
        thumbprint,
        username: c.string(`${p}.username`, o.username),
        datacenter,
        computeCluster: placement(c, p, o, "computeCluster", "compute cluster"),
        datastore: placement(c, p, o, "datastore", "datastore"),
        network: placement(c, p, o, "network", "port group (network)"),
        folder,
        resourcePool: placement(c, p, o, "resourcePool", "parent resource pool"),
        templates,
        tagCategory: c.string(`${p}.tagCategory`, o.tagCategory, "cluster-fleet"),
        storagePolicy: c.optionalString(`${p}.storagePolicy`, o.storagePolicy),
        manageInventory: c.boolean(`${p}.manageInventory`, o.manageInventory, true),
    };
}

/** A vSphere inventory object the machines are placed in: required, it has no default. */
function placement(c: Checker, p: string, o: Record<string, unknown>, k: string, what: string) {
    if (o[k] === undefined) {
        c.fail(`${p}.${k}`, `is required: the ${what} the machines are placed in`);
        return "";
    }
    return c.string(`${p}.${k}`, o[k]);
}

function parseThumbprint(c: Checker, path: string, v: unknown): string {
    const thumbprint = c.string(path, v);
    if (thumbprint && !THUMBPRINT.test(thumbprint)) {
        c.fail(
            path,
            "must be the SHA-1 fingerprint of the vCenter certificate as 20 colon-separated hex bytes " +
                "(openssl x509 -noout -fingerprint -sha1)",
        );
    }
    return thumbprint;
}

/** vsphere.templates: the VM template of each Kubernetes version the clusters may run. */
function parseTemplates(c: Checker, path: string, v: unknown): Record<string, string> {
    const templates: Record<string, string> = {};
    const example = '{"v1.34.2": "ubuntu-2404-kube-v1.34.2"}';
    if (v === undefined || typeof v !== "object" || v === null || Array.isArray(v)) {
        c.fail(path, `is required: a map of Kubernetes version to VM template, e.g. ${example}`);
        return templates;
    }
    for (const [ver, name] of Object.entries(v)) {
        const at = `${path}["${ver}"]`;
        if (!parseKubernetesVersion(ver)) {
            c.fail(at, `key must be a Kubernetes version like "v1.34.2"; rename the key`);
        }
        templates[ver] = c.string(at, name);
    }
    return templates;
}

/** The folder must resolve under the datacenter's VM folder, as the preflight resolves it. */
function checkFolder(c: Checker, p: string, datacenter: string, folder: string): void {
    if (datacenter && folder && c.ok(`${p}.datacenter`) && c.ok(`${p}.folder`)) {
        try {
            vmFolderPaths(datacenter, folder);
        } catch (e) {
            c.fail(`${p}.folder`, (e as Error).message.replace(/^vsphere\.folder /, ""));
        }
    }
}

/** vsphere.server: the vCenter's host name or IP, exactly as vsphere.conf and CAPV use it. */
function vcenterHost(c: Checker, path: string, v: unknown): string {
    const s = c.string(path, v);
    if (!s || HOST.test(s)) return s;
    let host: string | undefined;
    try {
        host = new URL(s).hostname;
    } catch {
        host = undefined;
    }
    c.fail(
        path,
        `"${s}" must be the vCenter's host name or IP address, without scheme, port or path` +
            (host && HOST.test(host) ? `; use "${host}"` : ` (e.g. "vcenter.example.net")`),
    );
    return s;
}
