// Invariants of a registered region's Kubernetes objects, as lists of problems (empty = holds):
// shared by the whole-program specs and the config fuzzing.
import { Netmask, ip2long } from "netmask";
import { labels } from "../../components/constants";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const named = (objs: readonly Obj[], kind: string, name: string) =>
    objs.find((o) => o.kind === kind && o.metadata?.name === name);
const u = (ip: string) => ip2long(ip) >>> 0;

/**
 * Every reference between the CAPI objects resolves to an emitted object: Cluster -> control
 * plane and infrastructure, KCP and MachineDeployments -> templates, templates -> IP pool,
 * VSphereCluster -> credentials Secret, MachineHealthCheck -> Cluster.
 */
export function referenceProblems(crs: readonly Obj[], secrets: readonly Obj[]): string[] {
    const out: string[] = [];
    const need = (what: string, kind: string, name: string) => {
        if (!named(crs, kind, name)) out.push(`${what} -> ${kind} ${name}: not emitted`);
    };
    for (const cl of crs.filter((o) => o.kind === "Cluster")) {
        const w = `Cluster ${cl.metadata.name}`;
        need(w, cl.spec.controlPlaneRef.kind, cl.spec.controlPlaneRef.name);
        need(w, cl.spec.infrastructureRef.kind, cl.spec.infrastructureRef.name);
    }
    for (const k of crs.filter((o) => o.kind === "KubeadmControlPlane")) {
        const ref = k.spec.machineTemplate.spec.infrastructureRef;
        need(`KCP ${k.metadata.name}`, ref.kind, ref.name);
    }
    for (const md of crs.filter((o) => o.kind === "MachineDeployment")) {
        const w = `MachineDeployment ${md.metadata.name}`;
        const s = md.spec.template.spec;
        need(w, s.infrastructureRef.kind, s.infrastructureRef.name);
        need(w, s.bootstrap.configRef.kind, s.bootstrap.configRef.name);
        need(w, "Cluster", md.spec.clusterName);
        if (
            JSON.stringify(md.spec.selector.matchLabels) !==
            JSON.stringify(md.spec.template.metadata.labels)
        ) {
            out.push(`${w}: selector does not match the template labels`);
        }
    }
    for (const t of crs.filter((o) => o.kind === "VSphereMachineTemplate")) {
        const pool = t.spec.template.spec.network.devices[0].addressesFromPools[0];
        need(`VSphereMachineTemplate ${t.metadata.name}`, pool.kind, pool.name);
    }
    for (const vc of crs.filter((o) => o.kind === "VSphereCluster")) {
        const ref = vc.spec.identityRef;
        if (ref.kind !== "Secret" || !secrets.some((s) => s.metadata?.name === ref.name)) {
            out.push(`VSphereCluster ${vc.metadata.name}: identity Secret ${ref.name} not emitted`);
        }
    }
    for (const mhc of crs.filter((o) => o.kind === "MachineHealthCheck")) {
        need(`MachineHealthCheck ${mhc.metadata.name}`, "Cluster", mhc.spec.clusterName);
    }
    return out;
}

/**
 * Each cluster's node pool lies inside its address block and excludes the VIP and the gateway;
 * the VIP is inside the block unless pinned elsewhere. `blocks` maps cluster name -> block CIDR.
 */
export function addressProblems(
    crs: readonly Obj[],
    blocks: Readonly<Record<string, string>>,
    pinnedVips: ReadonlySet<string> = new Set(),
): string[] {
    const out: string[] = [];
    for (const p of crs.filter((o) => o.kind === "InClusterIPPool")) {
        const c = p.metadata.labels[labels.clusterName];
        const vc = named(crs, "VSphereCluster", c);
        if (!vc) {
            out.push(`${c}: no VSphereCluster`);
            continue;
        }
        const vipText = vc.spec.controlPlaneEndpoint.host;
        const vip = u(vipText);
        const [lo, hi] = p.spec.addresses[0].split("-").map(u);
        const gw = u(p.spec.gateway);
        const nm = new Netmask(blocks[c]);
        const bLo = nm.netLong >>> 0;
        const bHi = bLo + nm.size - 1;
        if (!(lo <= hi)) out.push(`${c}: empty pool ${p.spec.addresses[0]}`);
        if (vip >= lo && vip <= hi) out.push(`${c}: VIP ${vipText} inside its pool`);
        if (gw >= lo && gw <= hi) out.push(`${c}: gateway ${p.spec.gateway} inside its pool`);
        if (lo < bLo || hi > bHi) out.push(`${c}: pool outside its block ${blocks[c]}`);
        if (!pinnedVips.has(vipText) && (vip < bLo || vip > bHi)) {
            out.push(`${c}: VIP ${vipText} outside its block ${blocks[c]}`);
        }
    }
    return out;
}
