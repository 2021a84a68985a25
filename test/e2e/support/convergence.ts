// "Converged" after a fault, checked against the API servers: the state holds no pending
// operation, each Kubernetes object of the state exists exactly once and is the very object in
// the cluster (same uid), and nothing Pulumi wrote to a cluster is missing from the state
// (no orphan left by an interrupted or failed run).
import * as assert from "node:assert/strict";
import type { Kube, KubeObject } from "./kube";

export interface StateResource {
    urn: string;
    type: string;
    custom?: boolean;
    provider?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    retainOnDelete?: boolean;
}

export interface StackState {
    resources: StateResource[];
    pending_operations?: unknown[];
}

/** Kinds the program creates, as kubectl resource arguments, by cluster role. */
export const MANAGEMENT_KINDS = [
    "namespaces",
    "secrets",
    "clusters.cluster.x-k8s.io",
    "kubeadmcontrolplanes.controlplane.cluster.x-k8s.io",
    "machinedeployments.cluster.x-k8s.io",
    "machinehealthchecks.cluster.x-k8s.io",
    "vsphereclusters.infrastructure.cluster.x-k8s.io",
    "vspheremachinetemplates.infrastructure.cluster.x-k8s.io",
    "kubeadmconfigtemplates.bootstrap.cluster.x-k8s.io",
    "inclusterippools.ipam.cluster.x-k8s.io",
    "applications.argoproj.io",
];
export const WORKLOAD_KINDS = ["namespaces", "secrets", "serviceaccounts", "clusterrolebindings"];

/** The field manager the Kubernetes provider applies with (server-side apply). */
const PULUMI_MANAGER = /^pulumi-kubernetes/;

export function k8sObjects(resources: readonly StateResource[]): StateResource[] {
    return resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.outputs);
}

function key(kube: Kube, o: KubeObject): string {
    const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : "";
    return `${kube.name}:${o.kind}:${ns}${o.metadata.name}`;
}

export interface ClusterView {
    readonly kube: Kube;
    readonly kinds: readonly string[];
}

/**
 * Asserts convergence of the given states (one or more stacks sharing the clusters) and returns
 * the keys of the objects checked. `clusterOf` maps a state resource to its cluster.
 */
export async function assertConverged(
    states: readonly StackState[],
    clusterOf: (r: StateResource) => Kube,
    views: readonly ClusterView[],
): Promise<string[]> {
    for (const s of states) {
        assert.deepEqual(s.pending_operations ?? [], [], "pending operations left in the state");
    }
    const objects = states.flatMap((s) => k8sObjects(s.resources));
    const inState = new Map<string, StateResource>();
    for (const r of objects) {
        const k = key(clusterOf(r), r.outputs as KubeObject);
        assert.ok(
            !inState.has(k),
            `${k} is in the state twice: ${inState.get(k)?.urn} and ${r.urn}`,
        );
        inState.set(k, r);
    }
    const live = new Map<string, KubeObject>();
    const managed = new Set<string>();
    for (const v of views) {
        for (const o of await v.kube.get(["-A", v.kinds.join(","), "--show-managed-fields"])) {
            const k = key(v.kube, o);
            live.set(k, o);
            // An apply that owns no field (a Namespace with only a name) leaves no entry, so
            // such an object cannot be attributed; every other object Pulumi wrote can.
            const fields = (o.metadata as { managedFields?: { manager?: string }[] }).managedFields;
            if ((fields ?? []).some((f) => PULUMI_MANAGER.test(f.manager ?? ""))) {
                managed.add(k);
            }
        }
    }
    const orphans = [...managed].filter((k) => !inState.has(k));
    assert.deepEqual(orphans, [], "objects Pulumi wrote that no state knows (orphans)");
    const missing = [...inState.keys()].filter((k) => !live.has(k));
    assert.deepEqual(missing, [], "objects of the state missing from the clusters");
    for (const [k, r] of inState) {
        const uid = (r.outputs as KubeObject).metadata.uid;
        assert.equal(live.get(k)?.metadata.uid, uid, `${k}: the state names another object`);
    }
    return [...inState.keys()].sort();
}

// A secret in `pulumi stack export --show-secrets`: the secret signature plus its value as JSON.
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** A decrypted export's values with every secret envelope replaced by the value inside it. */
export function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(unwrapSecrets);
    }
    if (v !== null && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o[SECRET_SIG] === SECRET_VALUE) {
            if (typeof o.plaintext !== "string") {
                throw new Error("a secret without plaintext: export with --show-secrets");
            }
            return unwrapSecrets(JSON.parse(o.plaintext));
        }
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}
