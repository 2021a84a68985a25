// Every name the program derives from a cluster's and its pools' names: Pulumi logical names
// (a URN is the parent type chain, the type and this name, so two clusters whose names compose
// to the same string would register the same URN) and Kubernetes object names per kind and
// namespace. Config validation compares them across clusters, so that cluster "dev" with pool
// "apps-general" and cluster "dev-apps" with pool "general" are refused before registration.
// test/config/generatedNames.spec.ts checks this list against what the program registers;
// collisionCandidates.ts relies on the forms of these names (checked there and in its spec).
import { argoClusterSecretName } from "../argocd/clusterSecret";
import { clusterConfigApplicationName } from "../argocd/clusterConfigApp";
import { objectNames } from "../capi/names";
import { kinds, types } from "../constants";

/** One derived name, the scope it must be unique in, and the config key it comes from. */
export interface GeneratedName {
    /** e.g. "Pulumi resource kubernetes:core/v1:Secret" or "MachineDeployment in namespace x". */
    readonly scope: string;
    readonly name: string;
    /** Config path of the name the value is built from (cluster or pool name). */
    readonly source: string;
}

export interface NameInputs {
    readonly cluster: { readonly name: string; readonly workerPools: readonly { name: string }[] };
    /** Config path of the cluster, e.g. "clusters[1]". */
    readonly path: string;
    /** Config index of each of `cluster.workerPools` when some were left out; default 0, 1, … */
    readonly poolIndexes?: readonly number[];
    readonly managementNamespace: string;
    readonly argocdNamespace: string;
    /** Routers the cluster's listen ranges are configured on (those with ssh). */
    readonly sshRouters: readonly string[];
    readonly manageSync: boolean;
    readonly manageInventory: boolean;
}

/** The inputs that are the same for every cluster of a region. */
export type NameSettings = Omit<NameInputs, "cluster" | "path" | "poolIndexes">;

/** Secrets CAPI itself writes for a cluster into the management namespace. */
const CAPI_SECRET_SUFFIXES = ["kubeconfig", "ca", "etcd", "sa", "proxy"];
/** Where a template's spec hash goes; stems that collide collide for equal specs. */
const HASH = "<spec hash>";

// Scopes are memoized: one string object per scope lets the collision map hash it once instead of
// building and hashing a fresh string for each of ~50 names per cluster.
type Trie = Map<string, Trie | string>;
const scopes: Trie = new Map();
function memo(parts: readonly string[], make: () => string): string {
    let node = scopes;
    for (const p of parts) {
        let next = node.get(p);
        if (next === undefined) {
            next = new Map();
            node.set(p, next);
        }
        node = next as Trie;
    }
    let s = node.get("");
    if (s === undefined) {
        s = make();
        node.set("", s);
    }
    return s as string;
}
const chain = (...t: string[]) => memo(t, () => `Pulumi resource ${t.join("$")}`);
const inNamespace = (kind: string, ns: string) =>
    memo(["\0ns", kind, ns], () => `${kind} in namespace ${ns}`);

/** Pulumi logical names of one cluster (see workloadCluster.ts and argoRegistration.ts). */
function logicalNames(n: NameInputs): GeneratedName[] {
    const c = n.cluster.name;
    const src = `${n.path}.name`;
    const WC = types.WorkloadCluster;
    const AR = types.ArgoRegistration;
    const out: GeneratedName[] = [];
    const add = (scope: string, name: string, source = src) => out.push({ scope, name, source });
    add(chain(WC), c);
    if (n.manageInventory) {
        add(chain(WC, types.VsphereFolder), `${c}-folder`);
        add(chain(WC, types.VsphereResourcePool), `${c}-pool`);
        add(chain(WC, types.VsphereTag), `${c}-tag`);
    }
    add(chain(WC, types.Secret), `${c}-vsphere-credentials`);
    add(chain(WC, types.InClusterIPPool), `${c}-ippool`);
    add(chain(WC, types.VSphereCluster), `${c}-vspherecluster`);
    add(chain(WC, types.VSphereMachineTemplate), `${c}-cp-template`);
    add(chain(WC, types.KubeadmControlPlane), `${c}-control-plane`);
    n.cluster.workerPools.forEach((p, i) => {
        const from = `${n.path}.workerPools[${n.poolIndexes?.[i] ?? i}].name`;
        add(chain(WC, types.VSphereMachineTemplate), `${c}-${p.name}-template`, from);
        add(chain(WC, types.KubeadmConfigTemplate), `${c}-${p.name}-bootstrap`, from);
        add(chain(WC, types.MachineDeployment), `${c}-${p.name}`, from);
    });
    add(chain(WC, types.MachineHealthCheck), `${c}-health-check`);
    add(chain(WC, types.Cluster), `${c}-cluster`);
    if (n.sshRouters.length > 0) {
        add(chain(WC, types.BgpListenRange), `${c}-bgp`);
        for (const r of n.sshRouters) {
            add(chain(WC, types.BgpListenRange, types.RemoteCommand), `${c}-bgp-${r}`);
        }
    }
    add(chain(WC, AR), `${c}-argocd`);
    add(chain(WC, AR, types.ApiServerReady), `${c}-api-ready`);
    add(chain(WC, AR, types.KubernetesProvider), `${c}-workload`);
    add(chain(WC, AR, types.ServiceAccount), `${c}-argocd-manager`);
    add(chain(WC, AR, types.ClusterRoleBinding), `${c}-argocd-manager`);
    add(chain(WC, AR, types.Secret), `${c}-argocd-manager-token`);
    add(chain(WC, AR, types.Secret), `${c}-cpi-credentials`);
    add(chain(WC, AR, types.Secret), `${c}-argocd-cluster`);
    add(chain(WC, AR, types.Application), `${c}-cluster-config`);
    if (n.manageSync) add(chain(WC, AR, types.ArgoCdAppSync), `${c}-cluster-config-sync`);
    return out;
}

/** Kubernetes object names of one cluster in the management cluster, by kind and namespace. */
function objectNamesOf(n: NameInputs): GeneratedName[] {
    const c = n.cluster.name;
    const src = `${n.path}.name`;
    const mgmt = n.managementNamespace;
    const o = objectNames(c);
    const out: GeneratedName[] = [];
    const add = (kind: string, ns: string, name: string, source = src) =>
        out.push({ scope: inNamespace(kind, ns), name, source });
    add(kinds.Cluster, mgmt, o.cluster);
    add(kinds.VSphereCluster, mgmt, o.vsphereCluster);
    add(kinds.KubeadmControlPlane, mgmt, o.controlPlane);
    add(kinds.InClusterIPPool, mgmt, o.ipPool);
    add(kinds.MachineHealthCheck, mgmt, o.healthCheck);
    add("Secret", mgmt, o.credentials);
    for (const s of CAPI_SECRET_SUFFIXES) add("Secret", mgmt, `${c}-${s}`);
    add(kinds.VSphereMachineTemplate, mgmt, `${c}-cp-${HASH}`);
    n.cluster.workerPools.forEach((p, i) => {
        const from = `${n.path}.workerPools[${n.poolIndexes?.[i] ?? i}].name`;
        add(kinds.MachineDeployment, mgmt, o.machineDeployment(p.name), from);
        add(kinds.VSphereMachineTemplate, mgmt, `${c}-${p.name}-${HASH}`, from);
        add(kinds.KubeadmConfigTemplate, mgmt, `${c}-${p.name}-${HASH}`, from);
    });
    add("Secret", n.argocdNamespace, argoClusterSecretName(c));
    add(kinds.Application, n.argocdNamespace, clusterConfigApplicationName(c));
    return out;
}

/** Every name derived from one cluster. Its name and pool names must be valid DNS-1123 labels. */
export function generatedNames(n: NameInputs): GeneratedName[] {
    return [...logicalNames(n), ...objectNamesOf(n)];
}

/** A name two different config keys produce in the same scope. */
export interface NameCollision {
    readonly scope: string;
    readonly name: string;
    /** The key whose name was seen first, and the one that collides with it. */
    readonly first: string;
    readonly second: string;
}

/** Names produced by more than one config key (a key colliding with itself is not reported). */
export function nameCollisions(names: readonly GeneratedName[]): NameCollision[] {
    // Scope, then name: no key string per name (4,000 clusters derive ~200,000 names).
    const seen = new Map<string, Map<string, GeneratedName>>();
    const out: NameCollision[] = [];
    for (const g of names) {
        let inScope = seen.get(g.scope);
        if (inScope === undefined) {
            inScope = new Map();
            seen.set(g.scope, inScope);
        }
        const prev = inScope.get(g.name);
        if (prev === undefined) {
            inScope.set(g.name, g);
        } else if (prev.source !== g.source) {
            out.push({ scope: g.scope, name: g.name, first: prev.source, second: g.source });
        }
    }
    return out;
}
