// Renders cluster-config/ for sample clusters the way Argo CD does it: copy the path, append the
// Application's kustomize patches to the kustomization's `patches`, run `kustomize build`
// (here `kubectl kustomize`), then assert on the objects. Helm is not available, so the
// tigera-operator chart source is not rendered (it has no sync-wave annotations: wave 0).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { annotations } from "../../components/constants";
import {
    CPI_CREDENTIALS_SECRET_NAME,
    CPI_NAMESPACE,
    MAX_BGP_PEERS,
    SYNC_WAVES,
    buildClusterConfigApplication,
} from "../../components/argocd/clusterConfigApp";
import { RegionConfig } from "../../components/config/types";
import { sampleCluster, samplePlan, sampleRegion } from "../support/sampleRegion";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CONTENT = path.resolve(__dirname, "..", "..", "cluster-config");

/** kustomize build of cluster-config/ with the Application's patches, as Argo CD runs it. */
function render(region: RegionConfig, clusterName: string): Obj[] {
    const cluster =
        region.clusters.find((c) => c.name === clusterName) ?? sampleCluster(clusterName);
    const app = buildClusterConfigApplication({ region, cluster, plan: samplePlan(clusterName) });
    const source = (app.spec.sources as Obj[]).find((s) => s.kustomize);
    assert.ok(source, "the Application has no kustomize source");
    assert.equal(source.path, "cluster-config");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-config-"));
    try {
        fs.cpSync(CONTENT, dir, { recursive: true });
        const kfile = path.join(dir, "kustomization.yaml");
        const k = yaml.load(fs.readFileSync(kfile, "utf8")) as Obj;
        k.patches = [...(k.patches ?? []), ...source.kustomize.patches];
        fs.writeFileSync(kfile, yaml.dump(k));
        const res = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
        if (res.error) {
            throw new Error(
                `kubectl is required for this test (kubectl kustomize): ${res.error.message}`,
            );
        }
        assert.equal(res.status, 0, `kubectl kustomize failed:\n${res.stderr}`);
        return yaml.loadAll(res.stdout) as Obj[];
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const wave = (o: Obj) => Number(o.metadata?.annotations?.[annotations.syncWave]);
const find = (objs: Obj[], kind: string, name: string) => {
    const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
    assert.ok(o, `${kind}/${name} not rendered`);
    return o;
};

function withRouters(n: number): RegionConfig {
    const base = sampleRegion();
    const routers = Array.from({ length: n }, (_, i) => ({
        name: `tor-${i}`,
        address: `10.20.0.${2 + i}`,
        asNumber: 65000 + i,
    }));
    return { ...base, bgp: { routers } };
}

describe("cluster-config content rendered for a sample cluster", function () {
    this.timeout(60000);
    let objs: Obj[];

    before(() => {
        objs = render(sampleRegion(), "c1");
    });

    it("replaces every placeholder", () => {
        const text = JSON.stringify(objs);
        assert.ok(
            !text.includes("SET-BY-CLUSTER-CONFIG-APP"),
            "a placeholder survived the patches",
        );
        assert.ok(!text.includes("peer-slot-"), "an unused BGPPeer slot survived");
    });

    it("every object has a sync wave, and each wave holds its objects", () => {
        for (const o of objs) {
            assert.ok(Number.isInteger(wave(o)), `${o.kind}/${o.metadata.name} has no sync wave`);
        }
        const byWave = new Map<number, string[]>();
        for (const o of objs) {
            byWave.set(wave(o), [...(byWave.get(wave(o)) ?? []), `${o.kind}/${o.metadata.name}`]);
        }
        for (const list of byWave.values()) {
            list.sort();
        }
        assert.deepEqual([...byWave.keys()].sort(), [0, 1, 2, 3]);
        assert.deepEqual(byWave.get(SYNC_WAVES.cpi), [
            "ClusterRole/cloud-controller-manager",
            "ClusterRoleBinding/cloud-controller-manager",
            "ConfigMap/kubernetes-services-endpoint",
            "ConfigMap/vsphere-cloud-config",
            "DaemonSet/vsphere-cloud-controller-manager",
            "RoleBinding/cloud-controller-manager:apiserver-authentication-reader",
            "ServiceAccount/cloud-controller-manager",
        ]);
        assert.deepEqual(byWave.get(SYNC_WAVES.calico), [
            "APIServer/default",
            "Installation/default",
        ]);
        assert.deepEqual(byWave.get(SYNC_WAVES.bgpConfiguration), ["BGPConfiguration/default"]);
        assert.deepEqual(byWave.get(SYNC_WAVES.bgpPeers), ["BGPPeer/tor-a", "BGPPeer/tor-b"]);
    });

    it("orders CPI/operator before Installation/APIServer before BGPConfiguration before BGPPeers", () => {
        const w = (kind: string) => Math.max(...objs.filter((o) => o.kind === kind).map(wave));
        const first = (kind: string) => Math.min(...objs.filter((o) => o.kind === kind).map(wave));
        assert.ok(w("DaemonSet") < first("Installation"));
        assert.ok(w("ConfigMap") < first("Installation"));
        assert.equal(
            wave(find(objs, "APIServer", "default")),
            wave(find(objs, "Installation", "default")),
        );
        assert.ok(w("Installation") < first("BGPConfiguration"));
        assert.ok(w("BGPConfiguration") < first("BGPPeer"));
        // The chart's objects carry no annotation, i.e. wave 0: the operator wave.
        assert.equal(SYNC_WAVES.operator, 0);
    });

    it("skips dry-run only for the kinds whose API appears at runtime", () => {
        for (const o of objs) {
            const runtimeApi = /(^operator\.tigera\.io\/|^projectcalico\.org\/)/.test(o.apiVersion);
            const opt = o.metadata.annotations?.[annotations.syncOptions];
            assert.equal(
                opt === "SkipDryRunOnMissingResource=true",
                runtimeApi,
                `${o.kind}/${o.metadata.name}: sync-options ${opt}`,
            );
        }
    });

    it("CPI: vCenter, datacenter, thumbprint, credentials Secret and VIP-free node addresses", () => {
        const region = sampleRegion();
        const cm = find(objs, "ConfigMap", "vsphere-cloud-config");
        assert.equal(cm.metadata.namespace, CPI_NAMESPACE);
        const conf = yaml.load(cm.data["vsphere.conf"]) as Obj;
        assert.deepEqual(conf, {
            global: {
                port: 443,
                secretName: CPI_CREDENTIALS_SECRET_NAME,
                secretNamespace: "kube-system",
                thumbprint: region.vsphere.thumbprint,
            },
            vcenter: {
                "vcenter.eu1.example.net": {
                    server: "vcenter.eu1.example.net",
                    datacenters: ["dc-eu1"],
                    thumbprint: region.vsphere.thumbprint,
                },
            },
            nodes: {
                internalNetworkSubnetCidr: "10.20.0.0/20",
                excludeInternalNetworkSubnetCidr: "10.20.4.1/32",
                excludeExternalNetworkSubnetCidr: "10.20.4.1/32",
            },
        });
        assert.ok(
            !/password|insecure/i.test(cm.data["vsphere.conf"]),
            "no secrets or insecure in git",
        );
        const ds = find(objs, "DaemonSet", "vsphere-cloud-controller-manager");
        const pod = ds.spec.template.spec;
        assert.equal(
            pod.containers[0].image,
            "registry.k8s.io/cloud-pv-vsphere/cloud-provider-vsphere:v1.34.0",
        );
        assert.equal(pod.volumes[0].configMap.name, "vsphere-cloud-config");
        assert.ok(pod.hostNetwork);
        assert.ok(
            pod.tolerations.some(
                (t: Obj) =>
                    t.key === "node.cloudprovider.kubernetes.io/uninitialized" &&
                    t.effect === "NoSchedule",
            ),
        );
    });

    it("operator reaches the API through the VIP", () => {
        const cm = find(objs, "ConfigMap", "kubernetes-services-endpoint");
        assert.equal(cm.metadata.namespace, "tigera-operator");
        assert.deepEqual(cm.data, {
            KUBERNETES_SERVICE_HOST: "10.20.4.1",
            KUBERNETES_SERVICE_PORT: "6443",
        });
    });

    it("Installation: BGP, no encapsulation, pod CIDR, node address pinned to InternalIP", () => {
        const inst = find(objs, "Installation", "default");
        const net = inst.spec.calicoNetwork;
        assert.equal(net.bgp, "Enabled");
        assert.deepEqual(net.ipPools, [
            {
                name: "default-ipv4-ippool",
                cidr: "10.128.0.0/16",
                blockSize: 26,
                encapsulation: "None",
                natOutgoing: "Enabled",
                nodeSelector: "all()",
            },
        ]);
        // NodeInternalIP, never cidrs/firstFound/interface: those can match the VIP on the NIC.
        assert.deepEqual(net.nodeAddressAutodetectionV4, { kubernetes: "NodeInternalIP" });
        assert.ok(!JSON.stringify(inst).includes("10.20.4.1"));
        // The pod pool is the Installation's; a v3 IPPool for the same CIDR would overlap it.
        assert.equal(objs.filter((o) => o.kind === "IPPool").length, 0);
    });

    it("BGPConfiguration: mesh off, cluster AS", () => {
        const bgp = find(objs, "BGPConfiguration", "default");
        assert.equal(bgp.spec.nodeToNodeMeshEnabled, false);
        assert.equal(bgp.spec.asNumber, 64512);
    });

    it("BGPPeers: one per router with its address and AS", () => {
        const peers = objs.filter((o) => o.kind === "BGPPeer");
        assert.deepEqual(
            peers
                .map((p) => [p.metadata.name, p.spec.peerIP, p.spec.asNumber, p.spec.nodeSelector])
                .sort(),
            [
                ["tor-a", "10.20.0.2", 65000, "all()"],
                ["tor-b", "10.20.0.3", 65000, "all()"],
            ],
        );
    });

    it("renders per-cluster values for another cluster and other router counts", () => {
        for (const n of [1, MAX_BGP_PEERS]) {
            const other = render(withRouters(n), "c2");
            const peers = other.filter((o) => o.kind === "BGPPeer");
            assert.deepEqual(
                peers.map((p) => [p.metadata.name, p.spec.peerIP, p.spec.asNumber]),
                Array.from({ length: n }, (_, i) => [`tor-${i}`, `10.20.0.${2 + i}`, 65000 + i]),
            );
            assert.equal(find(other, "BGPConfiguration", "default").spec.asNumber, 64513);
            assert.equal(
                find(other, "Installation", "default").spec.calicoNetwork.ipPools[0].cidr,
                "10.129.0.0/16",
            );
            assert.equal(
                find(other, "ConfigMap", "kubernetes-services-endpoint").data
                    .KUBERNETES_SERVICE_HOST,
                "10.20.4.65",
            );
            const conf = yaml.load(
                find(other, "ConfigMap", "vsphere-cloud-config").data["vsphere.conf"],
            ) as Obj;
            assert.equal(conf.nodes.excludeInternalNetworkSubnetCidr, "10.20.4.65/32");
        }
    });
});
