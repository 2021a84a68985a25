// Shared type tokens, API versions and well-known names. Code, mocks, tests and policies all
// import these so that a version bump is one edit.

export const PROJECT = "cluster-fleet";

/** apiVersion strings (CAPI v1.14 / CAPV v1.16 / IPAM in-cluster v1.0 / Argo CD v3.5). */
export const apiVersions = {
    cluster: "cluster.x-k8s.io/v1beta2",
    controlPlane: "controlplane.cluster.x-k8s.io/v1beta2",
    bootstrap: "bootstrap.cluster.x-k8s.io/v1beta2",
    infrastructure: "infrastructure.cluster.x-k8s.io/v1beta2",
    ipamPool: "ipam.cluster.x-k8s.io/v1alpha2",
    argocd: "argoproj.io/v1alpha1",
} as const;

/** API groups, for v1beta2 `{apiGroup, kind, name}` references. */
export const apiGroups = {
    cluster: "cluster.x-k8s.io",
    controlPlane: "controlplane.cluster.x-k8s.io",
    bootstrap: "bootstrap.cluster.x-k8s.io",
    infrastructure: "infrastructure.cluster.x-k8s.io",
    ipam: "ipam.cluster.x-k8s.io",
} as const;

export const kinds = {
    Cluster: "Cluster",
    VSphereCluster: "VSphereCluster",
    VSphereMachineTemplate: "VSphereMachineTemplate",
    KubeadmControlPlane: "KubeadmControlPlane",
    KubeadmConfigTemplate: "KubeadmConfigTemplate",
    MachineDeployment: "MachineDeployment",
    MachineHealthCheck: "MachineHealthCheck",
    InClusterIPPool: "InClusterIPPool",
    Application: "Application",
} as const;

const k8sType = (apiVersion: string, kind: string) => `kubernetes:${apiVersion}:${kind}`;

/** Pulumi type tokens of every resource the program registers. */
export const types = {
    Cluster: k8sType(apiVersions.cluster, kinds.Cluster),
    VSphereCluster: k8sType(apiVersions.infrastructure, kinds.VSphereCluster),
    VSphereMachineTemplate: k8sType(apiVersions.infrastructure, kinds.VSphereMachineTemplate),
    KubeadmControlPlane: k8sType(apiVersions.controlPlane, kinds.KubeadmControlPlane),
    KubeadmConfigTemplate: k8sType(apiVersions.bootstrap, kinds.KubeadmConfigTemplate),
    MachineDeployment: k8sType(apiVersions.cluster, kinds.MachineDeployment),
    MachineHealthCheck: k8sType(apiVersions.cluster, kinds.MachineHealthCheck),
    InClusterIPPool: k8sType(apiVersions.ipamPool, kinds.InClusterIPPool),
    Application: k8sType(apiVersions.argocd, kinds.Application),
    Secret: "kubernetes:core/v1:Secret",
    Namespace: "kubernetes:core/v1:Namespace",
    ServiceAccount: "kubernetes:core/v1:ServiceAccount",
    ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    KubernetesProvider: "pulumi:providers:kubernetes",
    VsphereProvider: "pulumi:providers:vsphere",
    VsphereFolder: "vsphere:index/folder:Folder",
    VsphereResourcePool: "vsphere:index/resourcePool:ResourcePool",
    VsphereTag: "vsphere:index/tag:Tag",
    VsphereTagCategory: "vsphere:index/tagCategory:TagCategory",
    RemoteCommand: "command:remote:Command",
    // Components.
    Region: "cluster-fleet:index:Region",
    WorkloadCluster: "cluster-fleet:index:WorkloadCluster",
    ArgoRegistration: "cluster-fleet:index:ArgoRegistration",
    BgpListenRange: "cluster-fleet:index:BgpListenRange",
    // Dynamic resources: pulumi-nodejs:dynamic/<module>:<type>.
    ApiServerReady: "pulumi-nodejs:dynamic/fleet:ApiServerReady",
    ArgoCdAppSync: "pulumi-nodejs:dynamic/fleet:ArgoCdAppSync",
} as const;

/** Module name passed to dynamic.Resource so its token reads pulumi-nodejs:dynamic/fleet:<Type>. */
export const DYNAMIC_MODULE = "fleet";

/** Invoke tokens of the vsphere provider's data sources (components/vsphere/functions.ts). */
export const vsphereFunctions = {
    getDatacenter: "vsphere:index/getDatacenter:getDatacenter",
    getComputeCluster: "vsphere:index/getComputeCluster:getComputeCluster",
    getDatastore: "vsphere:index/getDatastore:getDatastore",
    getNetwork: "vsphere:index/getNetwork:getNetwork",
    getVirtualMachine: "vsphere:index/getVirtualMachine:getVirtualMachine",
    getResourcePool: "vsphere:index/getResourcePool:getResourcePool",
    getFolder: "vsphere:index/getFolder:getFolder",
} as const;

export const labels = {
    clusterName: "cluster.x-k8s.io/cluster-name",
    argocdSecretType: "argocd.argoproj.io/secret-type",
    region: "cluster-fleet/region",
    environment: "cluster-fleet/environment",
    cluster: "cluster-fleet/cluster",
    managedBy: "app.kubernetes.io/managed-by",
    /** Machine role on VSphereMachineTemplates: one of `machineRoles`. */
    role: "cluster-fleet/role",
} as const;

/** Values of `labels.role`. */
export const machineRoles = {
    controlPlane: "control-plane",
    worker: "worker",
} as const;

export const annotations = {
    syncWave: "argocd.argoproj.io/sync-wave",
    syncOptions: "argocd.argoproj.io/sync-options",
} as const;

export const ARGOCD_RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io";
