import * as assert from "node:assert/strict";
import {
    guestMetadata,
    kubeadmConfigMap,
    kubeletNode,
    kubeletStatus,
    labClusterName,
    reportedGuestAddress,
} from "../../scripts/lab/machineBoot";

// CAPV v1.16's metadata template (pkg/util/constants.go) rendered for one static device.
const CAPV_METADATA = `
instance-id: "lab-apps-general-abcde-x7k2p"
local-hostname: "lab-apps-general-abcde-x7k2p"
wait-on-network:
  ipv4: true
  ipv6: false
network:
  version: 2
  ethernets:
    id0:
      match:
        macaddress: "00:50:56:aa:bb:cc"
      set-name: "eth0"
      wakeonlan: true
      dhcp4: false
      dhcp6: false
      accept-ra: false
      addresses:
      - "127.77.0.70/24"
      gateway4: "127.77.0.1"
      nameservers:
        addresses:
        - "127.77.0.10"
        search:
        - "lab.cluster-fleet.invalid"
`;

describe("lab machine boot (scripts/lab/machineBoot)", () => {
    it("reads the static network CAPV wrote into guestinfo.metadata", () => {
        const m = guestMetadata(Buffer.from(CAPV_METADATA).toString("base64"));
        assert.deepEqual(m, {
            hostname: "lab-apps-general-abcde-x7k2p",
            devices: [
                {
                    mac: "00:50:56:aa:bb:cc",
                    dhcp4: false,
                    dhcp6: false,
                    addresses: ["127.77.0.70/24"],
                    gateway4: "127.77.0.1",
                    nameservers: ["127.77.0.10"],
                    searchDomains: ["lab.cluster-fleet.invalid"],
                },
            ],
        });
        assert.throws(
            () => guestMetadata(Buffer.from("network: {}").toString("base64")),
            /no local-hostname/,
        );
    });

    it("uploads kubeadm-config as kubeadm init does, from the KCP and Cluster specs", () => {
        const cluster = {
            metadata: { name: "lab-apps", uid: "u", resourceVersion: "1" },
            spec: {
                controlPlaneEndpoint: { host: "127.77.0.65", port: 6443 },
                clusterNetwork: {
                    pods: { cidrBlocks: ["172.30.0.0/16"] },
                    services: { cidrBlocks: ["10.96.0.0/12"] },
                },
            },
        };
        const kcp = {
            metadata: { name: "lab-apps-control-plane", uid: "k", resourceVersion: "1" },
            spec: {
                version: "v1.34.4",
                kubeadmConfigSpec: {
                    clusterConfiguration: {
                        apiServer: { certSANs: ["127.77.0.65"] },
                        controllerManager: {
                            extraArgs: [{ name: "cloud-provider", value: "external" }],
                        },
                    },
                },
            },
        };
        const cm = kubeadmConfigMap(cluster, kcp) as {
            metadata: object;
            data: Record<string, string>;
        };
        assert.deepEqual(cm.metadata, { name: "kubeadm-config", namespace: "kube-system" });
        const cfg = JSON.parse(cm.data.ClusterConfiguration);
        assert.equal(cfg.kind, "ClusterConfiguration");
        assert.equal(cfg.apiVersion, "kubeadm.k8s.io/v1beta4");
        assert.equal(cfg.clusterName, "lab-apps");
        assert.equal(cfg.kubernetesVersion, "v1.34.4");
        assert.equal(cfg.controlPlaneEndpoint, "127.77.0.65:6443");
        assert.deepEqual(cfg.networking, {
            dnsDomain: "cluster.local",
            podSubnet: "172.30.0.0/16",
            serviceSubnet: "10.96.0.0/12",
        });
        assert.deepEqual(cfg.apiServer, { certSANs: ["127.77.0.65"] });
        assert.deepEqual(cfg.controllerManager.extraArgs, [
            { name: "cloud-provider", value: "external" },
        ]);
    });

    it("registers a Node with the machine's providerID and reports it Ready at the VM's address", () => {
        const n = kubeletNode("m1", "vsphere://4211-abcd", true) as {
            metadata: { labels: object };
            spec: object;
        };
        assert.deepEqual(n.spec, {
            providerID: "vsphere://4211-abcd",
            taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
        });
        assert.ok("node-role.kubernetes.io/control-plane" in n.metadata.labels);
        const w = kubeletNode("w1", "vsphere://x", false) as {
            metadata: { labels: object };
            spec: object;
        };
        assert.ok(!("node-role.kubernetes.io/control-plane" in w.metadata.labels));
        assert.deepEqual(w.spec, { providerID: "vsphere://x" });
        const s = kubeletStatus("127.77.0.70", "v1.34.4", new Date("2026-12-02T01:00:00.123Z")) as {
            status: {
                addresses: object[];
                conditions: { type: string; status: string; lastHeartbeatTime: string }[];
                nodeInfo: { kubeletVersion: string };
            };
        };
        assert.deepEqual(s.status.addresses, [{ type: "InternalIP", address: "127.77.0.70" }]);
        // Ready and no pressure: what CAPI's NodeHealthy needs to be True.
        assert.deepEqual(
            s.status.conditions.map((c) => `${c.type}=${c.status}`),
            ["Ready=True", "MemoryPressure=False", "DiskPressure=False", "PIDPressure=False"],
        );
        assert.equal(s.status.conditions[0].lastHeartbeatTime, "2026-12-02T01:00:00Z");
        assert.equal(s.status.nodeInfo.kubeletVersion, "v1.34.4");
    });

    it("reports a loopback static address in 198.18.0.0/15 (CAPV discards loopback guest IPs), others as they are", () => {
        assert.equal(reportedGuestAddress("127.77.0.70"), "198.18.0.70");
        assert.equal(reportedGuestAddress("10.20.0.70"), "10.20.0.70");
        assert.throws(() => reportedGuestAddress("127.77.0"), /not an IPv4 address/);
    });

    it("names the workload API server's lab cluster so cluster.sh accepts it", () => {
        assert.match(labClusterName("lab-apps"), /^[a-z][a-z0-9-]*$/);
        assert.equal(labClusterName("lab-apps"), "wl-lab-apps");
    });
});
