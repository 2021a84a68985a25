import { strict as assert } from "node:assert";
import { ARGOCD_RESOURCES_FINALIZER, apiVersions, kinds, labels } from "../../components/constants";
import {
    MAX_BGP_PEERS,
    TIGERA_OPERATOR_CHART_REPO,
    buildClusterConfigApplication,
    clusterConfigPatches,
    cpiImageTag,
} from "../../components/argocd/clusterConfigApp";
import { argoClusterName } from "../../components/argocd/clusterSecret";
import { RegionConfig } from "../../components/config/types";
import { loadCrdValidator, sharedPath } from "../support/crdSchema";
import { sampleCluster, samplePlan, sampleRegion } from "../support/sampleRegion";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function app(region: RegionConfig = sampleRegion(), name = "c1"): Obj {
    return buildClusterConfigApplication({
        region,
        cluster: region.clusters.find((c) => c.name === name) ?? sampleCluster(name),
        plan: samplePlan(name),
    }) as unknown as Obj;
}

function withRouters(n: number): RegionConfig {
    const base = sampleRegion();
    const routers = Array.from({ length: n }, (_, i) => ({
        name: `tor-${i}`,
        address: `10.20.0.${2 + i}`,
        asNumber: 65000,
    }));
    return { ...base, bgp: { routers } };
}

describe("cluster-config Application builder", () => {
    const validateApp = loadCrdValidator(
        sharedPath("crds", "argo-cd", "application-crd.yaml"),
        "v1alpha1",
    );

    it("validates against the Argo CD Application CRD (strict: unknown fields rejected)", () => {
        assert.deepEqual(validateApp(app()), []);
        assert.deepEqual(validateApp(app(withRouters(1))), []);
        assert.deepEqual(validateApp(app(withRouters(MAX_BGP_PEERS), "c2")), []);
    });

    it("the strict validator does catch typos and wrong types", () => {
        const a = app();
        a.spec.syncPolicy.automated.selfheal = true;
        a.spec.syncPolicy.retry.limit = "10";
        a.spec.sources[1].kustomize.patches[0].target.kind = 3;
        const errors = validateApp(a);
        assert.ok(
            errors.some(
                (e) => e.includes("/spec/syncPolicy/automated") && e.includes("(selfheal)"),
            ),
            errors.join("\n"),
        );
        assert.ok(
            errors.some((e) => e.startsWith("/spec/syncPolicy/retry/limit: must be integer")),
        );
        assert.ok(
            errors.some((e) => e.startsWith("/spec/sources/1/kustomize/patches/0/target/kind")),
        );
    });

    it("names, finalizer, labels and destination", () => {
        const a = app();
        assert.equal(a.apiVersion, apiVersions.argocd);
        assert.equal(a.kind, kinds.Application);
        assert.equal(a.metadata.name, "c1-cluster-config");
        assert.equal(a.metadata.namespace, "argocd");
        assert.deepEqual(a.metadata.finalizers, [ARGOCD_RESOURCES_FINALIZER]);
        assert.deepEqual(a.metadata.labels, {
            [labels.cluster]: "c1",
            [labels.environment]: "dev",
            [labels.managedBy]: "pulumi",
            [labels.region]: "eu1",
        });
        assert.equal(a.spec.project, "clusters");
        // name XOR server: by name, the Argo CD cluster Secret's `name`.
        assert.deepEqual(a.spec.destination, {
            name: argoClusterName("c1"),
            namespace: "tigera-operator",
        });
    });

    it("sync policy: automated prune + selfHeal, options, retry/backoff from config", () => {
        const region = sampleRegion();
        const retry = { limit: 25, backoff: { duration: "30s", factor: 3, maxDuration: "10m" } };
        const a = app({ ...region, argocd: { ...region.argocd, retry } });
        assert.deepEqual(a.spec.syncPolicy.automated, {
            enabled: true,
            prune: true,
            selfHeal: true,
            allowEmpty: false,
        });
        assert.deepEqual(a.spec.syncPolicy.syncOptions, [
            "CreateNamespace=true",
            "ServerSideApply=true",
        ]);
        assert.deepEqual(a.spec.syncPolicy.retry, {
            limit: 25,
            refresh: true,
            backoff: retry.backoff,
        });
        assert.equal(
            a.spec.syncPolicy.managedNamespaceMetadata.labels["pod-security.kubernetes.io/enforce"],
            "privileged",
        );
    });

    it("sources: tigera-operator chart (operator only) and the patched cluster-config path", () => {
        const region = sampleRegion();
        const a = app(region);
        assert.equal(a.spec.source, undefined);
        const [chart, content] = a.spec.sources;
        assert.deepEqual(
            { repoURL: chart.repoURL, chart: chart.chart, targetRevision: chart.targetRevision },
            {
                repoURL: TIGERA_OPERATOR_CHART_REPO,
                chart: "tigera-operator",
                targetRevision: "v3.30.3",
            },
        );
        const values = chart.helm.valuesObject;
        for (const k of ["installation", "apiServer", "goldmane", "whisker"]) {
            assert.equal(values[k].enabled, false, `${k} must be off: our annotated files own it`);
        }
        assert.equal(content.repoURL, region.argocd.repoURL);
        assert.equal(content.targetRevision, "main");
        assert.equal(content.path, "cluster-config");
        assert.deepEqual(
            content.kustomize.patches,
            clusterConfigPatches(region, sampleCluster("c1"), samplePlan("c1")),
        );
    });

    it("compares with a server-side diff, so API-server defaults are not drift", () => {
        assert.equal(
            app().metadata.annotations["argocd.argoproj.io/compare-options"],
            "ServerSideDiff=true",
        );
    });

    it("takes the tigera-operator chart from the configured repository (a mirror)", () => {
        const region = sampleRegion();
        const mirrored = {
            ...region,
            argocd: { ...region.argocd, chartRepoURL: "https://charts.mirror.example.net/calico" },
        };
        const [chart] = app(mirrored).spec.sources;
        assert.equal(chart.repoURL, "https://charts.mirror.example.net/calico");
        assert.equal(chart.chart, "tigera-operator");
    });

    it("refuses a chart repository Argo CD could not pull over TLS", () => {
        const region = sampleRegion();
        const bad = {
            ...region,
            argocd: { ...region.argocd, chartRepoURL: "http://charts.example.net/calico" },
        };
        assert.throws(() => app(bad), /argocd\.chartRepoURL: .*must be an https:\/\/ URL/);
    });

    it("is deterministic", () => {
        assert.equal(JSON.stringify(app()), JSON.stringify(app()));
    });

    it("CPI image follows the Kubernetes minor", () => {
        assert.equal(cpiImageTag("v1.34.2"), "v1.34.0");
        assert.equal(cpiImageTag("v1.36.0"), "v1.36.0");
        assert.throws(() => cpiImageTag("1.34"), /kubernetesVersion: "1.34" is not a version like/);
    });

    it("rejects bad input naming the field", () => {
        const region = sampleRegion();
        assert.throws(() => app(withRouters(0)), /bgp\.routers: at least one router is needed/);
        assert.throws(
            () => app(withRouters(MAX_BGP_PEERS + 1)),
            /bgp\.routers: 5 routers, but cluster-config has 4 BGPPeer slots/,
        );
        const sameAs = {
            ...region,
            clusters: [{ ...sampleCluster("c1"), bgp: { asNumber: 65000 } }],
        };
        assert.throws(
            () => app(sameAs),
            /clusters\[c1\]\.bgp\.asNumber: 65000 equals the AS of router tor-a/,
        );
        const badPod = {
            ...region,
            clusters: [{ ...sampleCluster("c1"), podCidr: "10.20.0.0/16" }],
        };
        assert.throws(
            () => app(badPod),
            /clusters\[c1\]\.podCidr: 10\.20\.0\.0\/16 overlaps network\.subnet/,
        );
        const badRetry = {
            ...region,
            argocd: { ...region.argocd, retry: { ...region.argocd.retry, limit: 0 } },
        };
        assert.throws(() => app(badRetry), /argocd\.retry\.limit: 0; must be a positive integer/);
        const badDur = {
            ...region,
            argocd: {
                ...region.argocd,
                retry: {
                    ...region.argocd.retry,
                    backoff: { duration: "soon", factor: 2, maxDuration: "5m" },
                },
            },
        };
        assert.throws(() => app(badDur), /argocd\.retry\.backoff\.duration: "soon"/);
        const dupRouter = {
            ...region,
            bgp: { routers: [region.bgp.routers[0], region.bgp.routers[0]] },
        };
        assert.throws(() => app(dupRouter), /router name "tor-a" appears twice/);
        const badThumb = { ...region, vsphere: { ...region.vsphere, thumbprint: "nope" } };
        assert.throws(() => app(badThumb), /vsphere\.thumbprint: must be/);
        assert.throws(
            () =>
                buildClusterConfigApplication({
                    region,
                    cluster: sampleCluster("c1"),
                    plan: samplePlan("c2"),
                }),
            /IP plan is for cluster "c2", not "c1"/,
        );
    });
});
