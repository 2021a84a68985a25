import * as assert from "node:assert/strict";
import { ConfigError } from "../../components/config/checker";
import { addressesNeeded } from "../../components/config/clusters";
import { parseRegionConfig } from "../../components/config/parse";
import * as fs from "node:fs";
import { REPO_ROOT, clone, rawStackConfig } from "../support/regionFixtures";

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Asserts that parsing fails with an issue at `path` whose message matches `re`. */
function expectIssue(raw: Raw, path: string, re: RegExp): void {
    assert.throws(
        () => parseRegionConfig(raw),
        (e: unknown) => {
            assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
            const hit = e.issues.find((i) => i.path === path && re.test(i.message));
            assert.ok(hit, `no issue at ${path} matching ${re}; got:\n${e.message}`);
            return true;
        },
    );
}

describe("region config", () => {
    let dev: Raw;
    let prod: Raw;
    beforeEach(() => {
        dev = clone(rawStackConfig("dev"));
        prod = clone(rawStackConfig("prod"));
    });

    it("accepts both committed stacks", () => {
        const d = parseRegionConfig(dev);
        assert.equal(d.config.clusters.length, 2);
        assert.equal(d.config.environment, "dev");
        const p = parseRegionConfig(prod);
        assert.ok(p.config.clusters.length >= 3);
        for (const c of p.config.clusters) {
            assert.equal(c.controlPlane.replicas, 3);
            assert.ok(c.workerPools.length >= 2);
        }
        // Defaults are applied.
        assert.equal(d.config.argocd.retry.backoff.factor, 2);
        assert.equal(d.config.clusters[0].workerPools[0].kubernetesVersion, "v1.36.1");
    });

    it("accepts every committed stack file", () => {
        const stacks = fs
            .readdirSync(REPO_ROOT)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((x): x is string => x !== undefined);
        assert.ok(stacks.length >= 3, stacks.join(", "));
        for (const s of stacks) {
            assert.doesNotThrow(() => parseRegionConfig(rawStackConfig(s)), s);
        }
    });

    it("counts control plane, workers and rollout surge as needed addresses", () => {
        const c = parseRegionConfig(prod).config.clusters.find((x) => x.name === "web")!;
        // 3 CP + 1 KCP surge + (12+3) + (4+1) + (3+1)
        assert.equal(addressesNeeded(c), 28);
    });

    it("rejects unknown and misspelt keys with a suggestion", () => {
        dev.clusters[0].controlPlane.replica = 3;
        expectIssue(dev, "clusters[0].controlPlane.replica", /did you mean "replicas"/);
        const d2: Raw = clone(rawStackConfig("dev"));
        d2.netwrk = {};
        expectIssue(d2, "netwrk", /did you mean "network"/);
    });

    it("rejects malformed IPs and CIDRs", () => {
        dev.network.gateway = "10.40.0.256";
        dev.network.subnet = "10.40.0.0/33";
        dev.clusters[1].podCidr = "172.21.0.0";
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => {
                const paths = e.issues.map((i) => i.path);
                assert.ok(paths.includes("network.gateway"));
                assert.ok(paths.includes("network.subnet"));
                assert.ok(paths.includes("clusters[1].podCidr"));
                return true;
            },
        );
    });

    it("rejects a subnet with host bits set", () => {
        dev.network.subnet = "10.40.1.0/22";
        expectIssue(dev, "network.subnet", /host bits set; use 10\.40\.0\.0\/22/);
    });

    it("rejects a gateway outside the subnet", () => {
        dev.network.gateway = "10.41.0.1";
        expectIssue(dev, "network.gateway", /outside the subnet 10\.40\.0\.0\/22/);
    });

    it("rejects overlapping address blocks of two clusters", () => {
        prod.clusters[1].addressBlock = "10.60.1.0/25"; // web now covers payments' /26
        expectIssue(
            prod,
            "clusters[0].addressBlock",
            /10\.60\.1\.0\/26 of cluster "payments" overlaps 10\.60\.1\.0\/25 of cluster "web".*free: /,
        );
    });

    it("rejects a VIP inside another cluster's node pool", () => {
        prod.clusters[2].vip = "10.60.1.20";
        expectIssue(prod, "clusters[2].vip", /inside the node pool of cluster "payments"/);
    });

    it("rejects a pool too small for control plane, workers and surge", () => {
        prod.clusters[0].addressBlock = "10.60.1.0/28";
        expectIssue(prod, "clusters[0]", /holds 15 addresses but the cluster needs 16/);
    });

    it("rejects duplicate cluster and pool names", () => {
        dev.clusters[1].name = "dev-apps";
        dev.clusters[0].workerPools.push({ ...dev.clusters[0].workerPools[0] });
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => {
                assert.ok(
                    e.issues.some(
                        (i) => i.path === "clusters[1].name" && /duplicate cluster/.test(i.message),
                    ),
                );
                assert.ok(
                    e.issues.some(
                        (i) =>
                            i.path === "clusters[0].workerPools[1].name" &&
                            /duplicate worker pool/.test(i.message),
                    ),
                );
                return true;
            },
        );
    });

    it("rejects names that are not DNS-1123 labels", () => {
        dev.clusters[0].name = "Dev_Apps";
        expectIssue(dev, "clusters[0].name", /not a DNS-1123 label/);
        const d2: Raw = clone(rawStackConfig("dev"));
        d2.clusters[0].workerPools[0].name = "-general";
        expectIssue(d2, "clusters[0].workerPools[0].name", /not a DNS-1123 label/);
        const d3: Raw = clone(rawStackConfig("dev"));
        d3.clusters[0].name = "a".repeat(33);
        expectIssue(d3, "clusters[0].name", /at most 32 characters/);
    });

    it("rejects an even control-plane count in prod but not in dev", () => {
        prod.clusters[0].controlPlane.replicas = 4;
        expectIssue(prod, "clusters[0].controlPlane.replicas", /odd count/);
        dev.clusters[0].controlPlane.replicas = 2;
        assert.doesNotThrow(() => parseRegionConfig(dev));
    });

    it("rejects malformed and unsupported Kubernetes versions", () => {
        dev.clusters[0].kubernetesVersion = "1.36.1";
        expectIssue(dev, "clusters[0].kubernetesVersion", /not a Kubernetes version/);
        const d2: Raw = clone(rawStackConfig("dev"));
        d2.clusters[0].kubernetesVersion = "v1.29.9";
        expectIssue(d2, "clusters[0].kubernetesVersion", /not supported/);
        const d3: Raw = clone(rawStackConfig("dev"));
        d3.clusters[0].kubernetesVersion = "v1.36.2";
        expectIssue(d3, "clusters[0].kubernetesVersion", /no VM template for v1\.36\.2/);
    });

    it("rejects worker pools newer than or too far behind the control plane", () => {
        prod.clusters[2].workerPools[1].kubernetesVersion = "v1.36.1"; // CP is v1.35.4
        expectIssue(prod, "clusters[2].workerPools[1].kubernetesVersion", /must not be newer/);
    });

    for (const key of ["datacenter", "datastore", "network", "folder", "resourcePool"]) {
        it(`rejects missing vSphere placement: ${key}`, () => {
            delete dev.vsphere[key];
            expectIssue(dev, `vsphere.${key}`, /is required/);
        });
    }

    it("rejects a missing VM template map", () => {
        delete dev.vsphere.templates;
        expectIssue(dev, "vsphere.templates", /is required/);
    });

    it("rejects overlapping pod networks, which share the routers", () => {
        dev.clusters[1].podCidr = "172.20.128.0/17";
        expectIssue(dev, "clusters[1].podCidr", /overlaps the pod network of cluster "dev-apps"/);
    });

    it("rejects a plain-http Argo CD URL and an unpinned kube-vip image", () => {
        dev.argocd.url = "http://argocd.example.net";
        dev.kubeVipImage = "ghcr.io/kube-vip/kube-vip:latest";
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => {
                assert.ok(e.issues.some((i) => i.path === "argocd.url"));
                assert.ok(e.issues.some((i) => i.path === "kubeVipImage"));
                return true;
            },
        );
    });

    it("rejects more routers than cluster-config has BGPPeer slots", () => {
        for (let i = 0; i < 4; i++) {
            dev.bgp.routers.push({
                name: `tor-x${i}`,
                address: `10.40.0.${20 + i}`,
                asNumber: 65000,
            });
        }
        expectIssue(dev, "bgp.routers", /has 6 routers; cluster-config\/ has 4 BGPPeer slots/);
    });

    it("rejects an Argo CD retry backoff factor below 2", () => {
        dev.argocd.retry.backoff.factor = 1;
        expectIssue(dev, "argocd.retry.backoff.factor", /from 2 to 10/);
    });

    it("rejects an Argo CD repository URL it cannot pull securely", () => {
        dev.argocd.repoURL = "http://git.example.net/repo.git";
        expectIssue(dev, "argocd.repoURL", /must be an https:\/\/, ssh:\/\/ or git@ URL/);
    });

    it("defaults the tigera-operator chart repository to the public one", () => {
        delete dev.argocd.chartRepoURL;
        assert.equal(
            parseRegionConfig(dev).config.argocd.chartRepoURL,
            "https://docs.tigera.io/calico/charts",
        );
    });

    it("takes a mirrored chart repository and trims its trailing slash", () => {
        dev.argocd.chartRepoURL = "https://charts.mirror.example.net/calico/";
        assert.equal(
            parseRegionConfig(dev).config.argocd.chartRepoURL,
            "https://charts.mirror.example.net/calico",
        );
    });

    for (const [url, re] of [
        [
            "http://charts.example.net/calico",
            /must be an https:\/\/ URL of a Helm chart repository/,
        ],
        ["oci://registry.example.net/charts", /OCI registries are not supported/],
        ["charts.example.net/calico", /is not a URL/],
        ["https://u:p@charts.example.net/calico", /must not contain credentials/],
        [
            "https://charts.example.net/calico/index.yaml",
            /base URL \(the directory of index.yaml\)/,
        ],
        ["https://charts.example.net/calico?x=1", /must not have a query/],
    ] as const) {
        it(`rejects the chart repository ${url}`, () => {
            dev.argocd.chartRepoURL = url;
            expectIssue(dev, "argocd.chartRepoURL", re);
        });
    }

    it("never echoes chart repository credentials in the error", () => {
        dev.argocd.chartRepoURL = "https://robot:s3cr3t-pw@charts.example.net/calico";
        assert.throws(
            () => parseRegionConfig(dev),
            (e: unknown) => e instanceof Error && !e.message.includes("s3cr3t-pw"),
        );
    });

    it("rejects invalid or reserved Argo CD cluster labels", () => {
        dev.clusters[0].labels = {
            "cluster-fleet/region": "x",
            "bad key!": "v",
            team: "no spaces",
        };
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => {
                const at = (k: string) =>
                    e.issues.find((i) => i.path === `clusters[0].labels["${k}"]`);
                assert.match(at("cluster-fleet/region")!.message, /set by cluster-fleet/);
                assert.match(at("bad key!")!.message, /not a valid Kubernetes label key/);
                assert.match(at("team")!.message, /not a valid label value/);
                return true;
            },
        );
    });

    it("rejects a cluster AS equal to a router's (the peering is eBGP)", () => {
        dev.clusters[1].bgp.asNumber = 65000;
        expectIssue(dev, "clusters[1].bgp.asNumber", /equals the AS of router tor-a/);
    });

    it("requires the router's SSH host key whenever ssh is set", () => {
        delete prod.bgp.routers[1].ssh.hostKey;
        expectIssue(prod, "bgp.routers[1].ssh.hostKey", /is required with ssh/);
    });

    it("rejects a vsphere.server given as a URL, suggesting the host", () => {
        dev.vsphere.server = "https://vcenter.dev-ams1.fleet.example.net/sdk";
        expectIssue(
            dev,
            "vsphere.server",
            /without scheme, port or path; use "vcenter\.dev-ams1\.fleet\.example\.net"/,
        );
    });

    it("rejects a vsphere.folder outside the datacenter's VM folder", () => {
        dev.vsphere.folder = "/OTHER-DC/vm/fleet";
        expectIssue(dev, "vsphere.folder", /not inside the VM folder of datacenter "AMS1-DEV"/);
    });

    it("rejects an empty template map per version used, and a missing one only once", () => {
        dev.vsphere.templates = {};
        expectIssue(
            dev,
            "clusters[0].kubernetesVersion",
            /no VM template for v1\.36\.1.*have: none/,
        );
        const d2: Raw = clone(rawStackConfig("dev"));
        delete d2.vsphere.templates;
        assert.throws(
            () => parseRegionConfig(d2),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.issues.map((i) => i.path),
                    ["vsphere.templates"],
                );
                return true;
            },
        );
    });

    it("rejects pod and service CIDRs with host bits set", () => {
        dev.clusters[0].podCidr = "172.20.1.0/16";
        dev.clusters[0].serviceCidr = "10.96.0.1/12";
        expectIssue(dev, "clusters[0].podCidr", /host bits set; use 172\.20\.0\.0\/16/);
        expectIssue(dev, "clusters[0].serviceCidr", /host bits set; use 10\.96\.0\.0\/12/);
    });

    it("rejects pod and service networks kubeadm refuses", () => {
        dev.clusters[0].podCidr = "172.20.0.0/25"; // smaller than one node's /24
        dev.clusters[1].serviceCidr = "10.0.0.0/8"; // larger than kubeadm's /12 limit
        expectIssue(
            dev,
            "clusters[0].podCidr",
            /is a \/25; kubeadm needs a pod network from \/8 to \/24/,
        );
        expectIssue(
            dev,
            "clusters[1].serviceCidr",
            /is a \/8; kubeadm accepts service networks from \/12 to \/28/,
        );
        // dev-data has 1 + 1 + 3 + 1 = 6 nodes at most: a /22 has 4 node ranges.
        const d2: Raw = clone(rawStackConfig("dev"));
        d2.clusters[1].podCidr = "172.21.0.0/22";
        expectIssue(
            d2,
            "clusters[1].podCidr",
            /holds 4 node ranges of \/24 but the cluster can have 6 nodes .*\/21 or larger/,
        );
        d2.clusters[1].podCidr = "172.21.0.0/21";
        assert.doesNotThrow(() => parseRegionConfig(d2));
    });

    it("rejects a gateway on the network or broadcast address", () => {
        dev.network.gateway = "10.40.0.0";
        expectIssue(
            dev,
            "network.gateway",
            /is the network address of 10\.40\.0\.0\/22.*often 10\.40\.0\.1/,
        );
        const d2: Raw = clone(rawStackConfig("dev"));
        d2.network.gateway = "10.40.3.255";
        expectIssue(d2, "network.gateway", /is the broadcast address of 10\.40\.0\.0\/22/);
    });

    it("rejects a service CIDR overlapping the node subnet", () => {
        dev.clusters[1].serviceCidr = "10.40.0.0/16";
        expectIssue(
            dev,
            "clusters[1].serviceCidr",
            /overlaps the node subnet 10\.40\.0\.0\/22; .*pick a serviceCidr outside it/,
        );
    });

    it("rejects two routers with the same address, and the reserved AS 23456", () => {
        dev.bgp.routers[1].address = dev.bgp.routers[0].address;
        dev.bgp.routers[0].asNumber = 23456;
        expectIssue(
            dev,
            "bgp.routers[1].address",
            /10\.40\.0\.2 is also the address of bgp\.routers\[0\]/,
        );
        expectIssue(dev, "bgp.routers[0].asNumber", /AS_TRANS/);
    });

    it("rejects a router address a machine could get", () => {
        dev.clusters[0].addressBlock = "10.40.1.0/26";
        dev.bgp.routers[1].address = "10.40.1.10";
        expectIssue(
            dev,
            "bgp.routers[1].address",
            /lies in the address block 10\.40\.1\.0\/26 of cluster "dev-apps".*add 10\.40\.1\.10 to network\.reserved/,
        );
    });

    it("rejects control-plane nodes below kubeadm's preflight minimum", () => {
        dev.clusters[0].controlPlane.cpus = 1;
        dev.clusters[0].controlPlane.memoryMiB = 1700;
        // Every VM needs 2 CPUs (CAPV's schema), which covers kubeadm's CPU check too.
        expectIssue(dev, "clusters[0].controlPlane.cpus", /is 1; must be a whole number from 2/);
        expectIssue(
            dev,
            "clusters[0].controlPlane.memoryMiB",
            /is 1700; kubeadm's preflight needs 1700 MB .* 2048 or more/,
        );
        // Workers are not held to the control-plane memory minimum.
        const d2: Raw = clone(rawStackConfig("dev"));
        d2.clusters[0].workerPools[0].memoryMiB = 1024;
        assert.doesNotThrow(() => parseRegionConfig(d2));
        d2.clusters[0].workerPools[0].cpus = 1;
        expectIssue(d2, "clusters[0].workerPools[0].cpus", /from 2 to 128/);
    });

    it("refuses a worker pool without rollout surge (CAPI refuses maxSurge = maxUnavailable = 0)", () => {
        dev.clusters[0].workerPools[0].maxSurge = 0;
        expectIssue(
            dev,
            "clusters[0].workerPools[0].maxSurge",
            /is 0; must be a whole number from 1 to 50/,
        );
    });

    it("refuses an empty cluster list and says how to remove a region", () => {
        dev.clusters = [];
        expectIssue(dev, "clusters", /is empty; .*run `pulumi destroy`/);
    });

    it("rejects clusters whose generated names collide (cluster-pool composition)", () => {
        dev.clusters[0].name = "dev";
        dev.clusters[0].workerPools[0].name = "apps-general";
        dev.clusters[1].name = "dev-apps";
        dev.clusters[1].workerPools[0].name = "general";
        expectIssue(
            dev,
            "clusters[1].workerPools[0].name",
            /pool "general" of cluster "dev-apps" and pool "apps-general" of cluster "dev" \(clusters\[0\]\.workerPools\[0\]\.name\) both produce the MachineDeployment in namespace capi-clusters named "dev-apps-general" and \d+ more clashing names; rename/,
        );
    });

    it("names a colliding pool by its own config index when an invalid pool comes before it", () => {
        dev.clusters[0].name = "dev";
        dev.clusters[0].workerPools = [
            { ...dev.clusters[0].workerPools[0], name: "Bad_Pool" },
            { ...dev.clusters[0].workerPools[0], name: "apps-general" },
        ];
        dev.clusters[1].name = "dev-apps";
        dev.clusters[1].workerPools[0].name = "general";
        expectIssue(
            dev,
            "clusters[1].workerPools[0].name",
            /pool "general" of cluster "dev-apps" and pool "apps-general" of cluster "dev" \(clusters\[0\]\.workerPools\[1\]\.name\) both produce/,
        );
    });

    it("rejects a pool of one cluster that composes to another cluster's control-plane template", () => {
        dev.clusters[0].name = "dev";
        dev.clusters[0].workerPools[0].name = "apps-cp";
        dev.clusters[1].name = "dev-apps";
        expectIssue(
            dev,
            "clusters[1].name",
            /cluster "dev-apps" and pool "apps-cp" of cluster "dev" \(clusters\[0\]\.workerPools\[0\]\.name\) both produce the VSphereMachineTemplate in namespace capi-clusters named "dev-apps-cp-<spec hash>"/,
        );
    });

    it("refuses a CAPI namespace that cluster-fleet does not own", () => {
        dev.management.namespace = "argocd";
        expectIssue(dev, "management.namespace", /"argocd" is Argo CD's namespace/);
        dev.management.namespace = "kube-system";
        expectIssue(dev, "management.namespace", /is a Kubernetes system namespace/);
    });

    it("reports an out-of-range AS once, without a follow-up error from its fallback", () => {
        dev.clusters[0].bgp.asNumber = 2 ** 40;
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.issues.map((i) => i.path),
                    ["clusters[0].bgp.asNumber"],
                );
                return true;
            },
        );
    });

    it("lists a syntax error and an IP-plan overlap together", () => {
        prod.clusters[1].addressBlock = "10.60.1.0/25"; // overlaps payments
        prod.clusters[2].name = "Analytics";
        assert.throws(
            () => parseRegionConfig(prod),
            (e: ConfigError) => {
                const paths = e.issues.map((i) => i.path);
                assert.ok(paths.includes("clusters[2].name"), e.message);
                assert.ok(paths.includes("clusters[0].addressBlock"), e.message);
                return true;
            },
        );
    });

    it("does not invent a small-pool error from a worker count that is out of range", () => {
        prod.clusters[0].workerPools[0].replicas = 10_000;
        assert.throws(
            () => parseRegionConfig(prod),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.issues.map((i) => i.path),
                    ["clusters[0].workerPools[0].replicas"],
                );
                return true;
            },
        );
    });

    it("refuses a node subnet too large to plan", () => {
        dev.network.subnet = "10.0.0.0/8";
        dev.network.gateway = "10.0.0.1";
        expectIssue(dev, "network.subnet", /is a \/8; a node subnet must be a \/12 to \/28/);
    });

    it("reports a missing section once, not each of its keys", () => {
        delete dev.vsphere;
        dev.network = "10.40.0.0/22";
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => {
                assert.deepEqual(
                    e.issues.map((i) => `${i.path}: ${i.message}`),
                    ["vsphere: is required (an object)", "network: must be an object"],
                );
                return true;
            },
        );
    });

    it("reports every problem at once", () => {
        dev.network.gateway = "10.41.0.1";
        dev.clusters[0].name = "BAD";
        delete dev.vsphere.datastore;
        assert.throws(
            () => parseRegionConfig(dev),
            (e: ConfigError) => e.issues.length >= 3,
        );
    });
});
