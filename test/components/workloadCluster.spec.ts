import * as assert from "node:assert/strict";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../components/config/checker";
import { labels, types } from "../../components/constants";
import { crdProblems, validatorFor } from "../support/crdValidators";
import { addressProblems, referenceProblems } from "../support/regionInvariants";
import { deployRegion } from "../support/deployRegion";
import { installMocks, isSecretInput, unsecret, unwrap } from "../support/mocks";
import { engineConfig } from "../support/regionFixtures";
import { TEST_SECRETS } from "../support/deployRegion";
import { loadRegion } from "../../components/config/load";
import { Region } from "../../components/region";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const cr = (inputs: Obj): Obj => unsecret(inputs) as Obj;
const byKind = (crs: Obj[], kind: string) => crs.filter((o) => o.kind === kind);
const named = (crs: Obj[], kind: string, name: string) =>
    crs.find((o) => o.kind === kind && o.metadata.name === name);

for (const stack of ["dev", "prod"]) {
    describe(`WorkloadCluster (${stack} stack)`, function () {
        this.timeout(60000);
        let crs: Obj[];
        let all: pulumi.runtime.MockResourceArgs[];
        let deployed: Awaited<ReturnType<typeof deployRegion>>;

        before(async () => {
            deployed = await deployRegion(stack);
            all = deployed.mocks.resources;
            crs = deployed.mocks.customResources().map((r) => cr(r.inputs));
        });

        it("emits the full CAPV object set per cluster", () => {
            for (const c of Object.keys(deployed.region.clusters)) {
                const mine = crs.filter((o) => o.metadata.labels?.[labels.clusterName] === c);
                const kinds = new Set(mine.map((o) => o.kind));
                for (const k of [
                    "Cluster",
                    "VSphereCluster",
                    "KubeadmControlPlane",
                    "VSphereMachineTemplate",
                    "KubeadmConfigTemplate",
                    "MachineDeployment",
                    "MachineHealthCheck",
                    "InClusterIPPool",
                ]) {
                    assert.ok(kinds.has(k), `${c}: no ${k}`);
                }
            }
        });

        it("every custom resource is valid against the upstream CRD schema (unknown fields are errors)", () => {
            assert.ok(crs.length > 0);
            assert.deepEqual(crdProblems(crs), []);
        });

        it("uses current API versions", () => {
            const want: Record<string, string> = {
                Cluster: "cluster.x-k8s.io/v1beta2",
                MachineDeployment: "cluster.x-k8s.io/v1beta2",
                MachineHealthCheck: "cluster.x-k8s.io/v1beta2",
                KubeadmControlPlane: "controlplane.cluster.x-k8s.io/v1beta2",
                KubeadmConfigTemplate: "bootstrap.cluster.x-k8s.io/v1beta2",
                VSphereCluster: "infrastructure.cluster.x-k8s.io/v1beta2",
                VSphereMachineTemplate: "infrastructure.cluster.x-k8s.io/v1beta2",
                InClusterIPPool: "ipam.cluster.x-k8s.io/v1alpha2",
            };
            for (const o of crs) {
                if (want[o.kind]) assert.equal(o.apiVersion, want[o.kind], o.kind);
            }
        });

        it("uses the same VIP in VSphereCluster, kube-vip and certSANs", () => {
            for (const vc of byKind(crs, "VSphereCluster")) {
                const vip = vc.spec.controlPlaneEndpoint.host;
                const kcp = named(crs, "KubeadmControlPlane", vc.metadata.name)!;
                assert.deepEqual(
                    kcp.spec.kubeadmConfigSpec.clusterConfiguration.apiServer.certSANs,
                    [vip],
                );
                const file = kcp.spec.kubeadmConfigSpec.files.find(
                    (f: Obj) => f.path === "/etc/kubernetes/manifests/kube-vip.yaml",
                );
                const pod = yaml.load(file.content) as Obj;
                const env = Object.fromEntries(
                    pod.spec.containers[0].env.map((e: Obj) => [e.name, e.value]),
                );
                assert.equal(env.address, vip);
                assert.equal(env.port, String(vc.spec.controlPlaneEndpoint.port));
                assert.equal(deployed.region.clusters[vc.metadata.name] !== undefined, true);
            }
        });

        it("draws node addresses from a pool inside the cluster's block that excludes VIP and gateway", async () => {
            const blocks: Record<string, string> = {};
            for (const [c, wc] of Object.entries(deployed.region.clusters)) {
                blocks[c] = await unwrap(wc.addressBlock);
            }
            assert.ok(byKind(crs, "InClusterIPPool").length > 0);
            assert.deepEqual(addressProblems(crs, blocks), []);
        });

        it("machine templates: DHCP off, addresses from the cluster's pool, no gateway4", () => {
            for (const t of byKind(crs, "VSphereMachineTemplate")) {
                const c = t.metadata.labels[labels.clusterName];
                for (const d of t.spec.template.spec.network.devices) {
                    assert.equal(d.dhcp4, false);
                    assert.equal(d.gateway4, undefined);
                    assert.deepEqual(d.addressesFromPools, [
                        {
                            apiGroup: "ipam.cluster.x-k8s.io",
                            kind: "InClusterIPPool",
                            name: `${c}-nodes`,
                        },
                    ]);
                    assert.ok(d.nameservers.length > 0);
                }
                assert.ok(t.spec.template.spec.folder.endsWith(`/${c}`));
                assert.ok(t.spec.template.spec.resourcePool.endsWith(`/${c}`));
                assert.equal(t.spec.template.spec.tagIDs.length, 1);
            }
        });

        it("every reference resolves to an emitted object", () => {
            const secrets = all.filter((r) => r.type === types.Secret).map((r) => cr(r.inputs));
            assert.deepEqual(referenceProblems(crs, secrets), []);
        });

        it("keeps the vCenter password secret", () => {
            const creds = all.filter(
                (r) => r.type === types.Secret && r.name.endsWith("-vsphere-credentials"),
            );
            assert.equal(creds.length, Object.keys(deployed.region.clusters).length);
            for (const s of creds) {
                assert.ok(
                    isSecretInput(s.inputs.stringData?.password) ||
                        isSecretInput(s.inputs.stringData),
                );
            }
            const provider = all.find((r) => r.type === types.VsphereProvider)!;
            assert.ok(isSecretInput(provider.inputs.password));
            // Provider inputs travel as strings.
            assert.equal(String(provider.inputs.allowUnverifiedSsl), "false");
        });

        it("rejects what the upstream schema rejects (the validation can fail)", () => {
            const kcp = JSON.parse(JSON.stringify(byKind(crs, "KubeadmControlPlane")[0]));
            kcp.spec.machineTemplate.infrastructureRef =
                kcp.spec.machineTemplate.spec.infrastructureRef;
            assert.ok(
                validatorFor(
                    kcp.apiVersion,
                    kcp.kind,
                )(kcp).some((e) => /infrastructureRef/.test(e)),
            );
            const t = JSON.parse(JSON.stringify(byKind(crs, "VSphereMachineTemplate")[0]));
            t.spec.template.spec.numCpus = 4;
            assert.ok(validatorFor(t.apiVersion, t.kind)(t).some((e) => /numCpus/.test(e)));
            // list-type map keyed by name+value: a repeated extraArgs entry is rejected.
            const k2 = JSON.parse(JSON.stringify(byKind(crs, "KubeadmControlPlane")[0]));
            const cm = k2.spec.kubeadmConfigSpec.clusterConfiguration.controllerManager;
            cm.extraArgs = [...cm.extraArgs, { ...cm.extraArgs[0] }];
            assert.ok(
                validatorFor(
                    k2.apiVersion,
                    k2.kind,
                )(k2).some((e) => /x-kubernetes-list-type/.test(e)),
                "duplicate map-list keys accepted",
            );
        });

        it("parents every cluster object to its WorkloadCluster", () => {
            const monitor = pulumi.runtime.getMonitor() as unknown as {
                resources: Map<string, { urn: string }>;
            };
            const urns = [...monitor.resources.keys()];
            for (const wc of Object.keys(deployed.region.clusters)) {
                const mine = urns.filter(
                    (u) => u.endsWith(`::${wc}-cluster`) || u.endsWith(`::${wc}-control-plane`),
                );
                assert.equal(mine.length, 2, wc);
                for (const u of mine) {
                    assert.ok(u.includes("cluster-fleet:index:WorkloadCluster$"), u);
                }
            }
        });

        it("targets explicit providers only", () => {
            const k8sProviders = all.filter((r) => r.type === types.KubernetesProvider);
            assert.ok(k8sProviders.length >= 1);
            for (const r of all) {
                if (r.type.startsWith("kubernetes:")) {
                    assert.ok(r.provider, `${r.type} ${r.name} has no explicit provider`);
                    assert.ok(
                        !r.provider!.includes("::default"),
                        `${r.name} uses a default provider`,
                    );
                }
            }
        });

        it("hands each cluster to Argo CD: readiness, token, cluster Secret, Application, sync", () => {
            const m = deployed.mocks;
            for (const c of Object.keys(deployed.region.clusters)) {
                const ready = all.find(
                    (r) => r.type === types.ApiServerReady && r.name === `${c}-api-ready`,
                )!;
                assert.ok(ready, `${c}: no ApiServerReady`);
                assert.ok(isSecretInput(ready.inputs.managementKubeconfig));
                assert.equal(cr(ready.inputs).clusterName, c);
                assert.ok(m.dependsOn(`${c}-api-ready`, `${c}-cluster`));

                const token = all.find((r) => r.name === `${c}-argocd-manager-token`)!;
                assert.equal(token.inputs.type, "kubernetes.io/service-account-token");
                assert.equal(
                    token.inputs.metadata.annotations["pulumi.com/waitFor"],
                    "jsonpath={.data.token}",
                );
                assert.ok(
                    token.provider!.includes(`::${c}-workload::`),
                    "token not created in the workload cluster",
                );

                const secret = all.find((r) => r.name === `${c}-argocd-cluster`)!;
                assert.equal(
                    secret.inputs.metadata.labels["argocd.argoproj.io/secret-type"],
                    "cluster",
                );
                const data = secret.inputs.data;
                assert.ok(
                    isSecretInput(data) || isSecretInput(data.config),
                    "cluster Secret config must be secret",
                );
                const parsed = JSON.parse(
                    Buffer.from((unsecret(data) as Obj).config, "base64").toString("utf8"),
                );
                assert.equal(parsed.bearerToken, "fake-sa-token");
                assert.notEqual(parsed.tlsClientConfig?.insecure, true);

                const app = all.find((r) => r.name === `${c}-cluster-config`)!;
                assert.equal(app.type, types.Application);
                assert.equal(
                    app.inputs.spec.destination.name,
                    (unsecret(secret.inputs.stringData) as Obj).name,
                );

                // Destroy order: Application, then the cluster Secret, then the CAPI Cluster.
                assert.ok(m.dependsOn(`${c}-cluster-config`, `${c}-argocd-cluster`));
                assert.ok(m.dependsOn(`${c}-cluster-config`, `${c}-cluster`));
                assert.ok(m.dependsOn(`${c}-argocd-cluster`, `${c}-cluster`));

                const sync = all.find(
                    (r) => r.type === types.ArgoCdAppSync && r.name === `${c}-cluster-config-sync`,
                )!;
                assert.ok(sync, `${c}: no ArgoCdAppSync`);
                assert.equal(sync.inputs.appName, `${c}-cluster-config`);
                assert.ok(
                    !JSON.stringify(sync.inputs).includes(
                        TEST_SECRETS["cluster-fleet:argocdToken"],
                    ),
                );
                assert.ok(m.dependsOn(`${c}-cluster-config-sync`, `${c}-cluster-config`));
            }
        });

        it(`${stack === "prod" ? "adds" : "does not add"} BGP listen ranges on SSH-managed routers`, () => {
            const cmds = all.filter((r) => r.type === types.RemoteCommand);
            if (stack === "dev") {
                assert.equal(cmds.length, 0);
                return;
            }
            assert.equal(cmds.length, Object.keys(deployed.region.clusters).length * 2);
            for (const cmd of cmds) {
                assert.ok(
                    isSecretInput(cmd.inputs.connection) ||
                        isSecretInput(cmd.inputs.connection.privateKey),
                );
                assert.match(cmd.inputs.create, /bgp listen range/);
            }
            for (const c of Object.keys(deployed.region.clusters)) {
                assert.ok(deployed.mocks.dependsOn(`${c}-cluster-config-sync`, `${c}-bgp-tor-a`));
            }
        });

        it(`${stack === "prod" ? "protects" : "does not protect"} the CAPI Cluster and everything a removal would break first`, () => {
            const isProtected = (r: unknown) => (r as { __protect?: boolean }).__protect === true;
            for (const wc of Object.values(deployed.region.clusters)) {
                // Deletes run dependents first: the Application (its finalizer prunes Calico and
                // the CPI), the cluster Secret and the router listen ranges must stop the run too.
                const guarded = [
                    wc.capiCluster,
                    wc.argo.application,
                    wc.argo.clusterSecret,
                    ...Object.values(wc.bgp?.commands ?? {}),
                ];
                for (const r of guarded) assert.equal(isProtected(r), stack === "prod");
                // Hashed templates are replaced on every spec change, so they are never protected.
                assert.equal(isProtected(wc.controlPlane), false);
            }
        });

        it("exports per cluster endpoint, VIP, block, pool, version, sync and health", async () => {
            const summary = await unwrap(deployed.region.summary());
            assert.deepEqual(
                Object.keys(summary).sort(),
                Object.keys(deployed.region.clusters).sort(),
            );
            for (const [name, s] of Object.entries(summary)) {
                const vc = named(crs, "VSphereCluster", name)!;
                assert.equal(s.vip, vc.spec.controlPlaneEndpoint.host);
                assert.equal(s.endpoint, `https://${s.vip}:6443`);
                assert.match(s.addressBlock, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
                assert.match(s.poolRange, /^[\d.]+-[\d.]+$/);
                assert.match(s.kubernetesVersion, /^v1\.\d+\.\d+$/);
                // From the ArgoCdAppSync outputs (the mocks answer Synced/Healthy).
                assert.equal(s.syncStatus, "Synced");
                assert.equal(s.healthStatus, "Healthy");
            }
        });
    });
}

describe("WorkloadCluster day-2 changes", function () {
    this.timeout(60000);
    type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

    async function snapshot(edit?: (raw: Raw) => void) {
        const d = await deployRegion("prod", edit);
        const byName = new Map(
            d.mocks.resources.map((r) => [`${r.type}::${r.name}`, cr(r.inputs)]),
        );
        return byName;
    }

    it("a machine-shape change renames the template and moves the reference; logical names stay", async () => {
        const before = await snapshot();
        const after = await snapshot((raw) => {
            raw.clusters[0].workerPools[0].cpus = 16;
        });
        assert.deepEqual(
            [...before.keys()].sort(),
            [...after.keys()].sort(),
            "resource names changed",
        );
        const key = `${types.VSphereMachineTemplate}::payments-general-template`;
        const b = before.get(key)!;
        const a = after.get(key)!;
        assert.notEqual(a.metadata.name, b.metadata.name);
        assert.equal(a.spec.template.spec.numCPUs, 16);
        const md = after.get(`${types.MachineDeployment}::payments-general`)!;
        assert.equal(md.spec.template.spec.infrastructureRef.name, a.metadata.name);
        // Other pools and the control plane keep their templates.
        for (const k of [
            "payments-memory-template",
            "payments-cp-template",
            "web-frontend-template",
        ]) {
            const t = `${types.VSphereMachineTemplate}::${k}`;
            assert.equal(after.get(t)!.metadata.name, before.get(t)!.metadata.name, k);
        }
    });

    it("a Kubernetes upgrade renames the control-plane template and bumps the KCP version", async () => {
        const before = await snapshot();
        const after = await snapshot((raw) => {
            raw.clusters[2].kubernetesVersion = "v1.36.1";
        });
        const t = `${types.VSphereMachineTemplate}::analytics-cp-template`;
        assert.notEqual(after.get(t)!.metadata.name, before.get(t)!.metadata.name);
        assert.equal(after.get(t)!.spec.template.spec.template, "ubuntu-2404-kube-v1.36.1");
        const kcp = after.get(`${types.KubeadmControlPlane}::analytics-control-plane`)!;
        assert.equal(kcp.spec.version, "v1.36.1");
        assert.equal(
            kcp.spec.machineTemplate.spec.infrastructureRef.name,
            after.get(t)!.metadata.name,
        );
    });

    it("keeps replaced templates for the running rollout (retainOnDelete), nothing else", async () => {
        const d = await deployRegion("prod");
        const templates = d.mocks.resources
            .filter(
                (r) =>
                    r.type === types.VSphereMachineTemplate ||
                    r.type === types.KubeadmConfigTemplate,
            )
            .map((r) => r.name)
            .sort();
        assert.ok(templates.length > 0);
        assert.deepEqual([...d.mocks.retained].sort(), templates);
    });

    it("scaling changes only replicas", async () => {
        const before = await snapshot();
        const after = await snapshot((raw) => {
            raw.clusters[1].workerPools[0].replicas = 14;
        });
        for (const [k, b] of before) {
            const a = after.get(k)!;
            if (k === `${types.MachineDeployment}::web-frontend`) {
                assert.equal(a.spec.replicas, 14);
                assert.deepEqual({ ...a, spec: { ...a.spec, replicas: 12 } }, b);
            } else if (k.startsWith("kubernetes:")) {
                assert.deepEqual(a, b, `${k} changed on a scale-out`);
            }
        }
    });

    it("reordering clusters changes nothing", async () => {
        const before = await snapshot();
        const after = await snapshot((raw) => {
            raw.clusters.reverse();
        });
        for (const [k, b] of before) {
            if (k.startsWith("kubernetes:") || k.startsWith("vsphere:")) {
                assert.deepEqual(after.get(k), b, k);
            }
        }
    });

    it("leaves vCenter alone when the inventory is managed elsewhere", async () => {
        const d = await deployRegion("dev", (raw) => {
            (raw.vsphere as Raw).manageInventory = false;
        });
        assert.equal(d.mocks.calls.length, 0, "no vSphere lookups");
        assert.deepEqual(
            d.mocks.resources.filter(
                (r) => r.type.startsWith("vsphere:") || r.type === types.VsphereProvider,
            ),
            [],
        );
        for (const t of d.mocks.registered(types.VSphereMachineTemplate)) {
            const spec = (cr(t.inputs) as Obj).spec.template.spec;
            assert.equal(spec.folder, "/AMS1-DEV/vm/fleet");
            assert.equal(spec.resourcePool, "/AMS1-DEV/host/ams1-dev-c1/Resources");
            assert.equal(spec.tagIDs, undefined);
            const errs = validatorFor(t.inputs.apiVersion, t.inputs.kind)(cr(t.inputs));
            assert.deepEqual(errs, []);
        }
    });

    it("fails before registering anything when the config is invalid", async () => {
        const mocks = await installMocks("prod");
        const config = { ...engineConfig("prod"), ...TEST_SECRETS };
        const clusters = JSON.parse(config["cluster-fleet:clusters"]);
        clusters[0].controlPlane.replicas = 2;
        config["cluster-fleet:clusters"] = JSON.stringify(clusters);
        pulumi.runtime.setAllConfig(config, Object.keys(TEST_SECRETS));
        assert.throws(
            () => new Region("prod-fra1", { loaded: loadRegion() }),
            (e: unknown) => e instanceof ConfigError && /odd count/.test((e as Error).message),
        );
        await new Promise((r) => setTimeout(r, 50));
        assert.equal(mocks.resources.length, 0);
    });

    it("refuses secrets stored in plaintext", async () => {
        await assert.rejects(
            deployRegion("dev", undefined, { plaintext: ["cluster-fleet:vspherePassword"] }),
            (e: unknown) =>
                e instanceof ConfigError &&
                / - vspherePassword: is stored in plaintext/.test((e as Error).message) &&
                !(e as Error).message.includes("vc-Pa55w0rd!"),
        );
    });
});
