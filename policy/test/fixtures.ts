// Objects shaped like the ones the program registers for one workload cluster (CAPI v1beta2,
// CAPV, in-cluster IPAM, Argo CD), as TestResources for the policy runners.
import {
    ARGOCD_RESOURCES_FINALIZER,
    apiGroups,
    apiVersions,
    kinds,
    labels,
    machineRoles,
    types,
} from "../../components/constants";
import { TestResource } from "../testing";

/** What the typed k8s.core.v1.Secret class adds to every Secret's options. */
export const SECRET_OPTS = { additionalSecretOutputs: ["data", "stringData"] };

export interface ClusterFixture {
    readonly name: string;
    readonly vip: string;
    readonly pool: string;
    readonly gateway?: string;
    readonly prefix?: number;
    readonly version?: string;
    readonly workerVersion?: string;
    readonly replicas?: number;
}

const NS = "capi-clusters";
const ARGO_NS = "argocd";

export function vcenterSecret(c: ClusterFixture): TestResource {
    return {
        type: types.Secret,
        name: `${c.name}-vsphere-credentials`,
        opts: SECRET_OPTS,
        props: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: `${c.name}-vsphere-credentials`, namespace: NS },
            stringData: { username: "capv@vsphere.local", password: "not-a-real-password" },
        },
    };
}

export function capiCluster(c: ClusterFixture): TestResource {
    return {
        type: types.Cluster,
        name: c.name,
        opts: { protect: true },
        props: {
            apiVersion: apiVersions.cluster,
            kind: kinds.Cluster,
            metadata: { name: c.name, namespace: NS, labels: { [labels.clusterName]: c.name } },
            spec: {
                clusterNetwork: { pods: { cidrBlocks: ["192.168.0.0/16"] } },
                controlPlaneRef: {
                    apiGroup: apiGroups.controlPlane,
                    kind: kinds.KubeadmControlPlane,
                    name: c.name,
                },
                infrastructureRef: {
                    apiGroup: apiGroups.infrastructure,
                    kind: kinds.VSphereCluster,
                    name: c.name,
                },
            },
        },
    };
}

export function vsphereCluster(c: ClusterFixture): TestResource {
    return {
        type: types.VSphereCluster,
        name: c.name,
        props: {
            apiVersion: apiVersions.infrastructure,
            kind: kinds.VSphereCluster,
            metadata: { name: c.name, namespace: NS },
            spec: {
                server: "vcenter.eu1.example.net",
                thumbprint: "AA:BB:CC:DD",
                controlPlaneEndpoint: { host: c.vip, port: 6443 },
                identityRef: { kind: "Secret", name: `${c.name}-vsphere-credentials` },
            },
        },
    };
}

export function ipPool(c: ClusterFixture): TestResource {
    return {
        type: types.InClusterIPPool,
        name: `${c.name}-nodes`,
        props: {
            apiVersion: apiVersions.ipamPool,
            kind: kinds.InClusterIPPool,
            metadata: {
                name: `${c.name}-nodes`,
                namespace: NS,
                labels: { [labels.clusterName]: c.name },
            },
            spec: {
                addresses: [c.pool],
                prefix: c.prefix ?? 20,
                gateway: c.gateway ?? "10.20.0.1",
            },
        },
    };
}

export function machineTemplate(
    c: ClusterFixture,
    role: "control-plane" | "worker",
    size = { numCPUs: 4, memoryMiB: 8192 },
): TestResource {
    const name =
        role === machineRoles.controlPlane ? `${c.name}-cp-1a2b3c` : `${c.name}-md-0-4d5e6f`;
    return {
        type: types.VSphereMachineTemplate,
        name,
        props: {
            apiVersion: apiVersions.infrastructure,
            kind: kinds.VSphereMachineTemplate,
            metadata: {
                name,
                namespace: NS,
                labels: { [labels.clusterName]: c.name, [labels.role]: role },
            },
            spec: {
                template: {
                    spec: {
                        ...size,
                        diskGiB: 40,
                        template: "ubuntu-2404-kube-v1.34.2",
                        network: {
                            devices: [
                                {
                                    networkName: "vm-network-20",
                                    dhcp4: false,
                                    addressesFromPools: [
                                        {
                                            apiGroup: apiGroups.ipam,
                                            kind: kinds.InClusterIPPool,
                                            name: `${c.name}-nodes`,
                                        },
                                    ],
                                    nameservers: ["10.20.0.53"],
                                },
                            ],
                        },
                    },
                },
            },
        },
    };
}

export function controlPlane(c: ClusterFixture): TestResource {
    return {
        type: types.KubeadmControlPlane,
        name: c.name,
        props: {
            apiVersion: apiVersions.controlPlane,
            kind: kinds.KubeadmControlPlane,
            metadata: { name: c.name, namespace: NS, labels: { [labels.clusterName]: c.name } },
            spec: {
                replicas: c.replicas ?? 3,
                version: c.version ?? "v1.34.2",
                machineTemplate: {
                    spec: {
                        infrastructureRef: {
                            apiGroup: apiGroups.infrastructure,
                            kind: kinds.VSphereMachineTemplate,
                            name: `${c.name}-cp-1a2b3c`,
                        },
                    },
                },
                kubeadmConfigSpec: {
                    clusterConfiguration: { apiServer: { certSANs: [c.vip] } },
                    files: [
                        {
                            path: "/etc/kubernetes/manifests/kube-vip.yaml",
                            owner: "root:root",
                            content: `env:\n- name: address\n  value: "${c.vip}"\n`,
                        },
                    ],
                },
            },
        },
    };
}

export function machineDeployment(c: ClusterFixture): TestResource {
    return {
        type: types.MachineDeployment,
        name: `${c.name}-md-0`,
        props: {
            apiVersion: apiVersions.cluster,
            kind: kinds.MachineDeployment,
            metadata: { name: `${c.name}-md-0`, namespace: NS },
            spec: {
                clusterName: c.name,
                replicas: 2,
                template: {
                    metadata: { labels: { [labels.clusterName]: c.name } },
                    spec: {
                        clusterName: c.name,
                        version: c.workerVersion ?? c.version ?? "v1.34.2",
                    },
                },
            },
        },
    };
}

export function argoClusterConfig(opts: { insecure?: boolean } = {}): string {
    return JSON.stringify({
        bearerToken: "not-a-real-token",
        tlsClientConfig: { caData: "LS0tLS1CRUdJTi4uLg==", insecure: opts.insecure ?? false },
    });
}

export function argoClusterSecret(c: ClusterFixture, config = argoClusterConfig()): TestResource {
    return {
        type: types.Secret,
        name: `cluster-${c.name}`,
        opts: SECRET_OPTS,
        props: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
                name: `cluster-${c.name}`,
                namespace: ARGO_NS,
                labels: { [labels.argocdSecretType]: "cluster" },
            },
            type: "Opaque",
            stringData: { name: c.name, server: `https://${c.vip}:6443`, config },
        },
    };
}

export function application(c: ClusterFixture): TestResource {
    return {
        type: types.Application,
        name: `${c.name}-cluster-config`,
        props: {
            apiVersion: apiVersions.argocd,
            kind: kinds.Application,
            metadata: {
                name: `${c.name}-cluster-config`,
                namespace: ARGO_NS,
                finalizers: [ARGOCD_RESOURCES_FINALIZER],
            },
            spec: {
                project: "clusters",
                destination: { name: c.name, namespace: "tigera-operator" },
                syncPolicy: {
                    automated: { prune: true, selfHeal: true },
                    retry: {
                        limit: 10,
                        backoff: { duration: "10s", factor: 2, maxDuration: "5m" },
                    },
                    syncOptions: ["CreateNamespace=true", "ServerSideApply=true"],
                },
            },
        },
    };
}

/** Every object of one cluster. */
export function clusterResources(c: ClusterFixture): TestResource[] {
    return [
        vcenterSecret(c),
        capiCluster(c),
        vsphereCluster(c),
        ipPool(c),
        machineTemplate(c, "control-plane"),
        machineTemplate(c, "worker"),
        controlPlane(c),
        machineDeployment(c),
        argoClusterSecret(c),
        application(c),
    ];
}

export const c1: ClusterFixture = { name: "c1", vip: "10.20.4.1", pool: "10.20.4.2-10.20.4.62" };
export const c2: ClusterFixture = { name: "c2", vip: "10.20.4.65", pool: "10.20.4.66-10.20.4.126" };

/** A deep copy of `r` with `edit` applied to the copy's props (and optionally opts). */
export function withProps(
    r: TestResource,
    edit: (props: any) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
    opts?: TestResource["opts"],
): TestResource {
    const props = JSON.parse(JSON.stringify(r.props));
    edit(props);
    return { ...r, props, opts: opts ?? r.opts };
}
