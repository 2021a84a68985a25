// A small, realistic region for tests: one /20 node subnet, two ToR routers running FRR, two
// clusters with /26 address blocks. Plain literals so every spec sees the same values.
import { ClusterIpPlan, RegionConfig } from "../../components/config/types";

export function sampleRegion(): RegionConfig {
    return {
        region: "eu1",
        environment: "dev",
        management: { namespace: "capi-clusters", readinessTimeoutSeconds: 1800 },
        vsphere: {
            server: "vcenter.eu1.example.net",
            thumbprint: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01",
            username: "svc-capv@vsphere.local",
            datacenter: "dc-eu1",
            computeCluster: "compute-eu1",
            datastore: "ds-eu1-01",
            network: "pg-k8s-nodes",
            folder: "/dc-eu1/vm/k8s",
            resourcePool: "/dc-eu1/host/compute-eu1/Resources/k8s",
            templates: { "v1.34.2": "ubuntu-2404-kube-v1.34.2" },
            tagCategory: "k8s-cluster",
            manageInventory: true,
        },
        network: {
            subnet: "10.20.0.0/20",
            gateway: "10.20.0.1",
            nameservers: ["10.20.0.10", "10.20.0.11"],
            searchDomains: ["eu1.example.net"],
            reserved: ["10.20.0.1-10.20.0.31"],
            clusterBlockPrefix: 26,
        },
        argocd: {
            url: "https://argocd.eu1.example.net",
            namespace: "argocd",
            project: "clusters",
            account: "pulumi",
            repoURL: "https://git.example.net/platform/cluster-fleet.git",
            targetRevision: "main",
            path: "cluster-config",
            tigeraOperatorVersion: "v3.30.3",
            chartRepoURL: "https://docs.tigera.io/calico/charts",
            retry: { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
            syncTimeoutSeconds: 1800,
            manageSync: true,
        },
        bgp: {
            routers: [
                {
                    name: "tor-a",
                    address: "10.20.0.2",
                    asNumber: 65000,
                    ssh: { host: "10.20.0.2", port: 22, user: "fleet" },
                },
                {
                    name: "tor-b",
                    address: "10.20.0.3",
                    asNumber: 65000,
                    ssh: { host: "tor-b.eu1.example.net", port: 2222, user: "fleet" },
                },
            ],
        },
        sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTestsOnly capv@eu1"],
        kubeVipImage: "ghcr.io/kube-vip/kube-vip:v0.8.9",
        clusters: [
            {
                name: "c1",
                kubernetesVersion: "v1.34.2",
                controlPlane: { replicas: 3, cpus: 4, memoryMiB: 8192, diskGiB: 40 },
                workerPools: [
                    {
                        name: "general",
                        replicas: 3,
                        maxSurge: 1,
                        kubernetesVersion: "v1.34.2",
                        cpus: 8,
                        memoryMiB: 32768,
                        diskGiB: 100,
                    },
                ],
                podCidr: "10.128.0.0/16",
                serviceCidr: "10.96.0.0/16",
                bgp: { asNumber: 64512 },
                labels: { team: "platform" },
            },
            {
                name: "c2",
                kubernetesVersion: "v1.34.2",
                controlPlane: { replicas: 1, cpus: 2, memoryMiB: 4096, diskGiB: 40 },
                workerPools: [],
                addressBlock: "10.20.4.64/26",
                podCidr: "10.129.0.0/16",
                serviceCidr: "10.96.0.0/16",
                bgp: { asNumber: 64513 },
                labels: {},
            },
        ],
    };
}

/** The IP plan slice of a sample cluster (matches what the region planner hands out). */
export function samplePlan(name: string): ClusterIpPlan {
    switch (name) {
        case "c1":
            return {
                cluster: "c1",
                block: "10.20.4.0/26",
                vip: "10.20.4.1",
                poolStart: "10.20.4.2",
                poolEnd: "10.20.4.62",
                capacity: 61,
                needed: 7,
            };
        case "c2":
            return {
                cluster: "c2",
                block: "10.20.4.64/26",
                vip: "10.20.4.65",
                poolStart: "10.20.4.66",
                poolEnd: "10.20.4.126",
                capacity: 61,
                needed: 2,
            };
        default:
            throw new Error(`samplePlan: no sample plan for cluster "${name}" (use "c1" or "c2")`);
    }
}

/** The sample cluster with the given name. */
export function sampleCluster(name: string) {
    const c = sampleRegion().clusters.find((x) => x.name === name);
    if (!c) {
        throw new Error(`sampleCluster: no sample cluster "${name}" (use "c1" or "c2")`);
    }
    return c;
}
