import * as assert from "node:assert/strict";
import { ConfigError } from "../../components/config/checker";
import { addressesNeeded, parseRegionConfig } from "../../components/config/parse";
import { clone, rawStackConfig } from "../support/regionFixtures";

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
        expectIssue(d2, "cluster-fleet:netwrk", /did you mean "cluster-fleet:network"/);
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
