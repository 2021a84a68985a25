// What test/e2e/capi.e2e.ts needs besides the driver: the lab stack pointed at vcsim, stack
// edits for the day-2 steps, and readers of what the real controllers produced (IPAM objects,
// the VMs CAPV cloned in vcsim).
import * as assert from "node:assert/strict";
import * as yaml from "js-yaml";
import { Netmask, ip2long } from "netmask";
import { PROJECT, labels } from "../../../components/constants";
import { GuestMetadata, guestMetadata, guestMetadataValue } from "../../../scripts/lab/machineBoot";
import { VsphereSoap } from "../../../scripts/lab/vsphereSoap";
import { Kube, KubeObject, inventoryKey, stateKinds } from "./kube";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Config = Record<string, any>;
type Doc = { config: Config };

/** Edits the project config of a stack file (keys without the project prefix). */
export function editStack(text: string, edit: (config: Config) => void): string {
    const doc = yaml.load(text) as Doc;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        if (k.startsWith(`${PROJECT}:`)) raw[k.slice(PROJECT.length + 1)] = v;
    }
    edit(raw);
    for (const [k, v] of Object.entries(raw)) doc.config[`${PROJECT}:${k}`] = v;
    return yaml.dump(doc, { lineWidth: -1 });
}

/** The lab stack against the lab's vcsim: its address and certificate thumbprint. */
export function stackForVcsim(
    text: string,
    server: string,
    thumbprint: string,
    readinessSeconds: number,
): string {
    return editStack(text, (c) => {
        c.vsphere = { ...c.vsphere, server, thumbprint };
        c.management = { ...c.management, readinessTimeoutSeconds: readinessSeconds };
    });
}

export interface ClusterPlan {
    readonly vip: string;
    readonly poolStart: string;
    readonly poolEnd: string;
    readonly gateway: string;
    readonly prefix: number;
    readonly reserved: readonly string[];
    readonly nameservers: readonly string[];
}

const u = (ip: string) => ip2long(ip) >>> 0;

/** Items of a namespaced list, by kubectl resource name. */
export async function objects(kube: Kube, resource: string, ns: string): Promise<KubeObject[]> {
    return kube.get([resource, "-n", ns]);
}

/**
 * Every object in `namespaces` that belongs to `cluster` (any kind but Events): named after it
 * (`<cluster>` or `<cluster>-...`, as CAPI, CAPV and cluster-fleet name them) or labelled with it
 * (CAPI's cluster-name label, cluster-fleet's cluster label). As inventory keys, sorted.
 */
export async function objectsOfCluster(
    kube: Kube,
    namespaces: readonly string[],
    cluster: string,
): Promise<string[]> {
    const kinds = (await stateKinds(kube, true)).join(",");
    const mine = (o: KubeObject) =>
        o.metadata.name === cluster ||
        o.metadata.name.startsWith(`${cluster}-`) ||
        o.metadata.labels?.[labels.clusterName] === cluster ||
        o.metadata.labels?.[labels.cluster] === cluster;
    const found: string[] = [];
    for (const ns of namespaces) {
        found.push(...(await kube.get([kinds, "-n", ns])).filter(mine).map(inventoryKey));
    }
    return found.sort();
}

export interface BoundClaim {
    readonly claim: string;
    readonly address: string;
    readonly prefix: number;
    readonly gateway: string;
    readonly pool: string;
}

/** Every IPAddressClaim of the namespace with the IPAddress it is bound to (unbound: undefined). */
export async function claims(
    kube: Kube,
    ns: string,
): Promise<(BoundClaim | { claim: string; unbound: true })[]> {
    const cl = await objects(kube, "ipaddressclaims.ipam.cluster.x-k8s.io", ns);
    const ad = await objects(kube, "ipaddresses.ipam.cluster.x-k8s.io", ns);
    return cl.map((c) => {
        const ref = (c as any).status?.addressRef?.name; // eslint-disable-line @typescript-eslint/no-explicit-any
        const a = ad.find((x) => x.metadata.name === ref) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
        if (!a) return { claim: c.metadata.name, unbound: true as const };
        return {
            claim: c.metadata.name,
            address: a.spec.address,
            prefix: a.spec.prefix,
            gateway: a.spec.gateway,
            pool: a.spec.poolRef?.name,
        };
    });
}

/** Asserts a bound address lies in the cluster's pool and is none of VIP, gateway, reserved. */
export function assertAllocatable(b: BoundClaim, plan: ClusterPlan, pool: string): void {
    const where = `${b.claim} -> ${b.address}`;
    assert.equal(b.pool, pool, `${where}: from pool ${b.pool}, not the cluster's ${pool}`);
    assert.ok(
        u(b.address) >= u(plan.poolStart) && u(b.address) <= u(plan.poolEnd),
        `${where}: outside ${plan.poolStart}-${plan.poolEnd}`,
    );
    assert.notEqual(b.address, plan.vip, `${where}: the VIP`);
    assert.notEqual(b.address, plan.gateway, `${where}: the gateway`);
    for (const r of plan.reserved) {
        assert.ok(!new Netmask(r).contains(b.address), `${where}: in reserved ${r}`);
    }
    assert.equal(b.prefix, plan.prefix, `${where}: prefix`);
    assert.equal(b.gateway, plan.gateway, `${where}: gateway`);
}

export interface VcsimVm {
    readonly name: string;
    /** Inventory path of the VM's folder, e.g. "/LAB/vm/fleet". */
    readonly folderPath: string;
    /** Inventory path of its resource pool, e.g. "/LAB/host/lab-c1/Resources". */
    readonly poolPath: string;
    readonly poweredOn: boolean;
    readonly metadata?: GuestMetadata;
}

/** The VMs (not templates) in vcsim, with the inventory paths of their folder and pool. */
export async function vcsimVms(vc: VsphereSoap): Promise<VcsimVm[]> {
    const names = new Map<string, { name: string; parent?: string }>();
    for (const type of ["Folder", "Datacenter", "ResourcePool", "ClusterComputeResource"]) {
        for (const o of await vc.objects(type, ["name", "parent"])) {
            names.set(o.ref.value, {
                name: o.props.name.text,
                parent: o.props.parent?.text.trim(),
            });
        }
    }
    const pathOf = (id: string): string => {
        const parts: string[] = [];
        for (let n = names.get(id); n; n = n.parent ? names.get(n.parent) : undefined)
            parts.unshift(n.name);
        // The views start below the root folder, which is not part of inventory paths.
        return `/${parts.join("/")}`;
    };
    const vms = await vc.objects("VirtualMachine", [
        "name",
        "parent",
        "resourcePool",
        "config.template",
        "config.extraConfig",
        "runtime.powerState",
    ]);
    return vms
        .filter((v) => v.props["config.template"]?.text !== "true")
        .map((v) => {
            const meta = guestMetadataValue(v.props["config.extraConfig"]);
            return {
                name: v.props.name.text,
                folderPath: pathOf(v.props.parent.text.trim()),
                poolPath: pathOf(v.props.resourcePool.text.trim()),
                poweredOn: v.props["runtime.powerState"]?.text === "poweredOn",
                ...(meta ? { metadata: guestMetadata(meta) } : {}),
            };
        });
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(
    what: string,
    timeoutMs: number,
    check: () => Promise<T | undefined>,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `${what}: not reached within ${timeoutMs / 1000}s${last ? ` (last error: ${(last as Error).message})` : ""}`,
            );
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
}
