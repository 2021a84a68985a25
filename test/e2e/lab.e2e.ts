// End-to-end run of the program through the pipeline driver against the real Pulumi engine and the
// lab's local API servers (issue 5). Started by scripts/lab/e2e-lab.sh (npm run test:e2e), which builds
// nothing, starts fresh e2e-mgmt / e2e-workload clusters and exports their kubeconfigs.
//
// Steps run in order (mocha --bail): each one needs the state the previous one left.
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import {
    ARGOCD_RESOURCES_FINALIZER,
    PROJECT,
    apiVersions,
    labels,
    types,
} from "../../components/constants";
import { ExitCode } from "../../pipeline/exitCodes";
import { MASKED, type ClusterOutputs } from "../../pipeline/clusterOutputs";
import type { RunSummary } from "../../pipeline/summary";
import {
    Deletion,
    Kube,
    KubeObject,
    apiserverRequests,
    argoClusterSecret,
    getWithBearer,
    resourceArg,
    watchDeletions,
} from "./support/kube";
import { SECRET_GET_404 } from "../../scripts/lab/kubeRest";
import { opFinished, opRetrying, opRunning, type FakeArgoCd } from "../support/fakeArgoCd";
import {
    LabArgoCdPlan,
    labArgoCdPlan,
    labArgoCdToken,
    startLabArgoCd,
} from "./support/fakeArgoCdServer";
import { k8sObjects, unwrapSecrets, type StateResource } from "./support/convergence";
import { run, tail } from "./support/process";
import { LabProject, REPO_ROOT, finishProject, prepareProject, labEnv } from "./support/project";
import { DriverRun, runDriver } from "./support/driver";
import {
    OutputCapture,
    filesUnder,
    findLeaks,
    scanRunnerOutputAtExit,
    scannableTexts,
    type ScannedText,
} from "./support/secretScan";
import { startCapiSim, stopCapiSims } from "./support/capiSim";
import { reportTimings } from "./support/labTimings";

// The runner's own output (mocha's reporter, assertion messages, everything printed here) is
// part of the secret scan: captured from the start, scanned by the scan step and once more at
// exit, after mocha printed its final report.
const runnerOutput = new OutputCapture().start();
const SUITE_TITLE = "lab e2e: the program through the pipeline driver on the real engine";
/** Every secret value of the run, by name; filled as the run learns them. */
const needles: Record<string, string> = {};
scanRunnerOutputAtExit(runnerOutput, needles, SUITE_TITLE);

const requireEnv = labEnv("the e2e through scripts/lab/e2e-lab.sh (npm run test:e2e)");

/** How long the CAPI simulator holds the kubeconfig Secret back after it sees the Cluster. */
const SIM_DELAY_SECONDS = 8;
/** apiserver_request_total labels of a /readyz probe. */
const READYZ = { verb: "GET", subresource: "/readyz", code: "200" };

/**
 * The Kubernetes objects the program creates for the lab stack (one cluster, lab-apps, with one
 * worker pool), as `<cluster>:<Kind>:<namespace>/<name>`: the intended set, checked exactly.
 * Template names end in a hash of their spec (a changed spec is a new template).
 */
const EXPECTED_OBJECTS: readonly RegExp[] = [
    /^management:Namespace:capi-clusters$/,
    /^management:Secret:capi-clusters\/lab-apps-vsphere-credentials$/,
    /^management:InClusterIPPool:capi-clusters\/lab-apps-nodes$/,
    /^management:VSphereCluster:capi-clusters\/lab-apps$/,
    /^management:Cluster:capi-clusters\/lab-apps$/,
    /^management:VSphereMachineTemplate:capi-clusters\/lab-apps-cp-[0-9a-f]{8}$/,
    /^management:KubeadmControlPlane:capi-clusters\/lab-apps$/,
    /^management:VSphereMachineTemplate:capi-clusters\/lab-apps-general-[0-9a-f]{8}$/,
    /^management:KubeadmConfigTemplate:capi-clusters\/lab-apps-general-[0-9a-f]{8}$/,
    /^management:MachineDeployment:capi-clusters\/lab-apps-general$/,
    /^management:MachineHealthCheck:capi-clusters\/lab-apps-unhealthy-nodes$/,
    /^management:Secret:argocd\/cluster-lab-apps$/,
    /^management:Application:argocd\/lab-apps-cluster-config$/,
    /^workload:ServiceAccount:kube-system\/argocd-manager$/,
    /^workload:ClusterRoleBinding:argocd-manager-role-binding$/,
    /^workload:Secret:kube-system\/argocd-manager-token$/,
    /^workload:Secret:kube-system\/cloud-provider-vsphere-credentials$/,
];

/** Each pattern matches exactly one key and every key is matched: the sets are equal. */
function assertExactSet(keys: readonly string[], patterns: readonly RegExp[], what: string): void {
    const unmatched = keys.filter((k) => !patterns.some((p) => p.test(k)));
    const counts = patterns.map((p) => `${p.source} x${keys.filter((k) => p.test(k)).length}`);
    assert.deepEqual(unmatched, [], `${what}: not expected`);
    assert.deepEqual(
        counts.filter((c) => !c.endsWith(" x1")),
        [],
        `${what}: expected exactly once each (have ${[...keys].sort().join(", ")})`,
    );
}

/** `sub` is contained in `sup`: objects key by key, arrays element by element and same length. */
function assertSubset(sub: unknown, sup: unknown, where: string): void {
    if (Array.isArray(sub)) {
        assert.ok(Array.isArray(sup), `${where}: expected an array on the server`);
        assert.equal(sup.length, sub.length, `${where}: array length`);
        sub.forEach((v, i) => assertSubset(v, sup[i], `${where}[${i}]`));
    } else if (sub !== null && typeof sub === "object") {
        assert.ok(
            sup !== null && typeof sup === "object",
            `${where}: expected an object on the server`,
        );
        for (const [k, v] of Object.entries(sub)) {
            assertSubset(v, (sup as Record<string, unknown>)[k], `${where}.${k}`);
        }
    } else {
        assert.equal(sup, sub, `${where}: the server holds a different value`);
    }
}

/** Each label and annotation sent is on the object with the same value; name and namespace too. */
function assertSentMetadata(
    sent: KubeObject["metadata"],
    got: KubeObject["metadata"],
    what: string,
): void {
    assert.equal(got.name, sent.name, `${what}: metadata.name`);
    assert.equal(got.namespace, sent.namespace, `${what}: metadata.namespace`);
    for (const field of ["labels", "annotations"] as const) {
        for (const [k, v] of Object.entries(sent[field] ?? {})) {
            assert.equal(got[field]?.[k], v, `${what}: metadata.${field}["${k}"]`);
        }
    }
    for (const f of sent.finalizers ?? []) {
        assert.ok(got.finalizers?.includes(f), `${what}: finalizer ${f}`);
    }
}

/** Secret keys the server fills in itself, by Secret type. */
const SERVER_FILLED_KEYS: Record<string, readonly string[]> = {
    "kubernetes.io/service-account-token": ["ca.crt", "namespace", "token"],
};

/**
 * A Secret holds exactly the keys sent (data and stringData; plus those its type makes the
 * server fill in), each with the value sent. Messages name keys, never values, and the
 * assertions carry no values (mocha would print a diff).
 */
function assertSecretAsSent(sent: Record<string, unknown>, got: KubeObject, what: string): void {
    const data = (sent.data ?? {}) as Record<string, string>;
    const stringData = (sent.stringData ?? {}) as Record<string, string>;
    const expected = new Map<string, string>([
        ...Object.entries(data),
        ...Object.entries(stringData).map(
            ([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")] as [string, string],
        ),
    ]);
    const held = (got.data ?? {}) as Record<string, string>;
    const filled = SERVER_FILLED_KEYS[String(sent.type ?? "")] ?? [];
    assert.deepEqual(
        Object.keys(held).sort(),
        [...new Set([...expected.keys(), ...filled])].sort(),
        `${what}: data keys`,
    );
    for (const [k, v] of expected) {
        assert.ok(held[k] === v, `${what}: data["${k}"] differs from what was sent`);
    }
    assert.equal(got.type, sent.type ?? "Opaque", `${what}: type`);
}

/** Distinctive pieces of a PEM private key or certificate: its base64 lines of full width. */
function pemNeedles(pem: string): string[] {
    return pem.split("\n").filter((l) => /^[A-Za-z0-9+/]{64}$/.test(l));
}

describe(SUITE_TITLE, function () {
    this.timeout(15 * 60_000);

    const labHome = requireEnv("LAB_HOME");
    const kubectlBin = path.join(labHome, "bin", "kubectl");
    const pulumiBin = path.join(labHome, "bin", "pulumi");
    let mgmt: Kube;
    let workload: Kube;
    let p: LabProject;
    let sim: ChildProcess | undefined;
    /** The scripted Argo CD API the sync provider talks to (in-process, https, own CA). */
    let argo: FakeArgoCd | undefined;
    let argoPlan: LabArgoCdPlan;
    let argoToken: string;
    let step = 0;
    const timings: [string, number, string][] = [];
    /** Resources of the lab stack after `up`: the objects that must exist, then be gone. */
    let deployed: StateResource[] = [];
    let upRegion: RunSummary["regions"][number] | undefined;
    /** Sync POSTs the fake must have seen by the end (one more for the failing-sync step). */
    let expectedSyncs = 0;

    /**
     * Runs the driver and checks its verdict twice: the exit status of the process (what CI
     * sees) and the summary's exitCode must both be `expectExit`.
     */
    async function driver(
        command: string,
        stack: string,
        expectExit: number,
        extra: string[] = [],
        timeoutMs = 10 * 60_000,
    ): Promise<DriverRun> {
        step += 1;
        const { result, summary, base } = await runDriver(
            p,
            labHome,
            step,
            command,
            stack,
            extra,
            timeoutMs,
        );
        assert.equal(
            summary.exitCode,
            expectExit,
            `${command} ${stack}: summary exitCode\n${tail(result, 80)}`,
        );
        assert.equal(
            result.code,
            expectExit,
            `${command} ${stack}: exit status of the driver process (signal ${result.signal})\n${tail(result, 80)}`,
        );
        return { result, summary, base };
    }

    /** The fake's recorded requests (method, path regex); all must carry our bearer token. */
    function argoRequests(method: string, pathRe: RegExp) {
        const requests = fakeArgo().requests;
        const bad = requests.filter((r) => r.authorization !== `Bearer ${argoToken}`);
        // Never print the header: it is the token.
        assert.deepEqual(
            bad.map((r) => `${r.method} ${r.path}`),
            [],
            "requests to Argo CD without the stack's argocdToken as bearer",
        );
        return requests.filter((r) => r.method === method && pathRe.test(r.path));
    }

    function fakeArgo(): FakeArgoCd {
        assert.ok(argo, "the fake Argo CD is not running");
        return argo;
    }

    const syncPosts = () => argoRequests("POST", /^\/api\/v1\/applications\/[^/]+\/sync$/);

    /** A step's duration, with the load averages (1, 5, 15 min) at its end: figures depend on them. */
    function record(label: string, run: DriverRun): void {
        const load = os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ");
        timings.push([label, run.summary.regions[0]?.durationMs ?? run.result.ms, load]);
    }

    /** The stack's state; with showSecrets decrypted and kept in memory only. */
    async function exportState(showSecrets = false): Promise<{ resources: StateResource[] }> {
        const args = ["stack", "export", "--stack", "lab", "--non-interactive"];
        const r = await run(pulumiBin, showSecrets ? [...args, "--show-secrets"] : args, {
            cwd: p.workDir,
            env: p.env,
            timeoutMs: 60_000,
        });
        assert.equal(r.code, 0, `pulumi stack export failed (exit ${r.code})`);
        if (!showSecrets) {
            fs.writeFileSync(path.join(p.outDir, "stack-export.json"), r.stdout);
        }
        return (JSON.parse(r.stdout) as { deployment: { resources: StateResource[] } }).deployment;
    }

    /** The cluster a Kubernetes resource of the state lives in, from its provider's name. */
    function clusterOf(r: StateResource): Kube {
        return /::lab-apps-workload::/.test(r.provider ?? "") ? workload : mgmt;
    }

    function objectKey(r: StateResource): string {
        const o = r.outputs as KubeObject;
        const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : "";
        return `${clusterOf(r).name}:${o.kind}:${ns}${o.metadata.name}`;
    }

    async function live(r: StateResource, ignoreNotFound: boolean): Promise<KubeObject[]> {
        const o = r.outputs as KubeObject;
        const ns = o.metadata.namespace ? ["-n", o.metadata.namespace] : [];
        return clusterOf(r).get(
            [...ns, `${resourceArg(o.apiVersion, o.kind)}/${o.metadata.name}`],
            ignoreNotFound,
        );
    }

    before(async function () {
        mgmt = new Kube("management", requireEnv("LAB_E2E_MGMT_KUBECONFIG"), kubectlBin);
        workload = new Kube("workload", requireEnv("LAB_E2E_WORKLOAD_KUBECONFIG"), kubectlBin);
        argoPlan = labArgoCdPlan(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.lab.yaml"), "utf8"));
        argoToken = labArgoCdToken(argoPlan.account);
        argo = await startLabArgoCd(argoPlan, argoToken);
        p = await prepareProject(
            mgmt.kubeconfig,
            pulumiBin,
            { url: argo.url, caPem: argo.caPem, token: argoToken },
            { gzipState: true },
        );
        // From here on the exit-time scan of the runner's output has something to look for.
        Object.assign(needles, p.secrets);
        process.stderr.write(`      e2e work dir: ${p.root}\n`);
        // What an Argo CD install provides: its namespace (the Application CRD is installed).
        const ns = await mgmt.kubectl(["create", "namespace", "argocd"]);
        assert.equal(ns.code, 0, ns.stderr);
    });

    after(async function () {
        await stopCapiSims([sim]);
        await argo?.close();
        reportTimings(
            labHome,
            "e2e lab",
            "lab stack timings (driver summary durations)",
            timings.map(([l, ms, load]) => `${l}\t${(ms / 1000).toFixed(1)}s\tload ${load}`),
        );
        finishProject(p, this.test?.parent);
    });

    it("previews the lab stack with the policy pack: exit 0, exactly the documented advisory finding", async () => {
        const d = await driver("preview", "lab", ExitCode.Ok);
        const region = d.summary.regions[0];
        record(`preview (first, ${region.changes.create} creates)`, d);
        // Changes are information for a preview; only --expect-no-changes makes them a result.
        assert.equal(region.result, "ok");
        assert.ok(region.changes.create > 0, "a first preview creates everything");
        // The intended set, exactly: the cluster Secret's config is computed during up, so that
        // one resource policy cannot run on a first preview (policy/README.md), once per cluster.
        // Nothing else: the lab config is meant to be clean.
        assert.deepEqual(
            region.policyViolations.map((v) => `${v.level} ${v.policyName}`),
            argoPlan.apps.map(() => "advisory argocd-cluster-secret-tls"),
            JSON.stringify(region.policyViolations, null, 2),
        );
        for (const v of region.policyViolations) {
            assert.match(v.message, /can't run policy .* during preview/);
        }
    });

    it("previews two regions in one run (the program and the pack checked once, the pack compiled): lab passes, lab-strict (prod, one control-plane node) fails with the policy's message", async () => {
        const d = await driver("preview", "lab,lab-strict", ExitCode.PolicyViolation);
        const stderr = d.result.stderr;
        assert.match(
            stderr,
            /type check: index\.ts and what it imports .* and the policy pack \(compiled to \d+ files\): no errors/,
        );
        const [lab, strict] = d.summary.regions;
        assert.deepEqual(
            d.summary.regions.map((r) => [r.stack, r.result]),
            [
                ["lab", "ok"],
                ["lab-strict", "policy-violation"],
            ],
        );
        // The compiled pack finds exactly what policy/ found in the first preview.
        assert.deepEqual(
            lab.policyViolations.map((v) => `${v.level} ${v.policyName}`),
            argoPlan.apps.map(() => "advisory argocd-cluster-secret-tls"),
        );
        // The whole set, exactly: prod's levels make the single control-plane node mandatory;
        // the first-preview note about the cluster Secret stays advisory.
        assert.deepEqual(
            strict.policyViolations.map((v) => `${v.level} ${v.policyName}`).sort(),
            [
                ...argoPlan.apps.map(() => "advisory argocd-cluster-secret-tls"),
                ...argoPlan.apps.map(() => "mandatory control-plane-replicas"),
            ].sort(),
            JSON.stringify(strict.policyViolations, null, 2),
        );
        const mandatory = strict.policyViolations.filter((v) => v.level === "mandatory");
        assert.match(mandatory[0].message, /replicas/);
        assert.match(mandatory[0].message, /3/);
        const report = fs.readFileSync(path.join(p.outDir, `${d.base}.md`), "utf8");
        assert.ok(report.includes(mandatory[0].message.split("\n")[0]), "report shows the message");
    });

    it("runs up: CAPI simulator writes the kubeconfig, readiness wait and SA-token registration run for real", async () => {
        sim = startCapiSim(
            [
                "--management-kubeconfig",
                mgmt.kubeconfig,
                "--workload-kubeconfig",
                workload.kubeconfig,
                "--delay-seconds",
                String(SIM_DELAY_SECONDS),
                // Under load the wait can start after a fixed delay: count it from its first poll.
                "--await-secret-poll",
                "--max-seconds",
                "1200",
            ],
            path.join(p.logDir, "capi-sim.log"),
        );
        const readyzBefore = await apiserverRequests(workload.target, READYZ);
        const secretGetsBefore = await apiserverRequests(mgmt.target, SECRET_GET_404);
        const d = await driver("up", "lab", ExitCode.Ok);
        const region = d.summary.regions[0];
        record(`up (${region.changes.create} creates)`, d);
        upRegion = region;
        assert.equal(region.failedResources.length, 0);
        assert.deepEqual(
            region.policyViolations,
            [],
            "up: the cluster Secret's config is known now",
        );
        const simText = fs.readFileSync(path.join(p.logDir, "capi-sim.log"), "utf8");
        assert.match(simText, /wrote Secret capi-clusters\/lab-apps-kubeconfig/);
        const state = await exportState();
        deployed = k8sObjects(state.resources);
        // Every resource of the state was created by this up: the root stack is not counted.
        assert.equal(region.changes.create, state.resources.length - 1, "creates vs state");
        assertExactSet(
            deployed.map(objectKey),
            EXPECTED_OBJECTS,
            "Kubernetes objects in the state",
        );

        // ApiServerReady really waited: the simulator holds the kubeconfig Secret back until
        // SIM_DELAY_SECONDS after the first Secret poll, so the provider must have polled the
        // management API server for it (404s) and then probed the workload API server's /readyz.
        const log = fs.readFileSync(path.join(p.logDir, `${d.base}.log`), "utf8");
        assert.match(
            log,
            /ApiServerReady capi-clusters\/lab-apps: waiting for \(unknown until Secret capi-clusters\/lab-apps-kubeconfig exists\); last state: no kubeconfig Secret yet/,
            "no progress line from the wait before the Secret existed",
        );
        const ready = new RegExp(
            `ApiServerReady capi-clusters/lab-apps: ${workload.target.server.replace(/[.]/g, "\\.")}/readyz is ready after (\\d+)s`,
        ).exec(log);
        assert.ok(ready, `no "ready" line for ${workload.target.server}/readyz`);
        assert.ok(Number(ready[1]) >= 1, `ready after ${ready[1]}s: it did not wait`);
        const readyz = (await apiserverRequests(workload.target, READYZ)) - readyzBefore;
        const secretGets =
            (await apiserverRequests(mgmt.target, SECRET_GET_404)) - secretGetsBefore;
        process.stderr.write(
            `      readiness: ready after ${ready[1]}s, ${readyz} /readyz GETs on the workload ` +
                `API server, ${secretGets} Secret GETs answered 404 on the management one\n`,
        );
        assert.ok(readyz >= 1, "the workload API server saw no /readyz request during up");
        assert.ok(secretGets >= 1, "the management API server saw no Secret poll answered 404");
    });

    it("synced each cluster-config Application through the Argo CD API (real engine, dynamic provider host)", async () => {
        const clusters = upRegion?.clusters;
        assert.ok(clusters && clusters !== MASKED, "no cluster outputs in the up summary");
        for (const a of argoPlan.apps) {
            const out: ClusterOutputs[string] | undefined = clusters[a.cluster];
            assert.ok(out && out !== MASKED, `no outputs for cluster ${a.cluster}`);
            assert.equal(out.syncStatus, "Synced", `${a.cluster} syncStatus`);
            assert.equal(out.healthStatus, "Healthy", `${a.cluster} healthStatus`);
            const app = `/api/v1/applications/${a.appName}`;
            // 1. the cluster is looked up by its registered server (the planned endpoint);
            const lists = argoRequests("GET", /^\/api\/v1\/clusters$/);
            assert.ok(
                lists.some((r) => r.query.get("server") === a.server),
                `no cluster list for ${a.server}`,
            );
            // 2. the app is fetched with a refresh, scoped to its project;
            const gets = argoRequests("GET", new RegExp(`^${app}$`));
            assert.equal(gets[0]?.query.get("refresh"), "normal", "first GET asks for a refresh");
            assert.ok(gets.every((r) => r.query.get("project") === a.project));
            // 3. exactly one sync, with the region's retry strategy and prune.
            const posts = syncPosts().filter((r) => r.path === `${app}/sync`);
            assert.equal(posts.length, 1, `sync POSTs for ${a.appName}`);
            assert.deepEqual(posts[0].body, {
                name: a.appName,
                project: a.project,
                appNamespace: a.namespace,
                prune: true,
                retryStrategy: {
                    limit: 5,
                    backoff: { duration: "10s", factor: 2, maxDuration: "3m" },
                },
            });
            // ... and waited: the status was polled after the sync until it finished.
            const afterSync = fakeArgo().requests.indexOf(posts[0]);
            assert.ok(
                gets.filter((r) => fakeArgo().requests.indexOf(r) > afterSync).length >= 2,
                "the app was polled (Running, then Succeeded) after the sync",
            );
        }
    });

    it("has every object in the API servers, every field as sent (the real CRD schemas accepted them)", async () => {
        // What the program sent, decrypted in memory only (Secret data are secret inputs).
        const sentByUrn = new Map(
            (await exportState(true)).resources.map((r) => [r.urn, unwrapSecrets(r.inputs ?? {})]),
        );
        for (const r of deployed) {
            const [obj] = await live(r, false);
            const what = objectKey(r);
            assert.ok(obj, `${what} is not in its API server`);
            const sent = sentByUrn.get(r.urn) as Record<string, unknown>;
            assert.ok(sent, `${what}: no inputs in the state`);
            assertSentMetadata(sent.metadata as KubeObject["metadata"], obj.metadata, what);
            for (const [key, value] of Object.entries(sent)) {
                if (["apiVersion", "kind", "metadata"].includes(key)) continue;
                if (r.type === types.Secret && (key === "data" || key === "stringData")) continue;
                // Structural schemas prune unknown fields: everything sent must still be there.
                assertSubset(value, obj[key], `${what} ${key}`);
            }
            if (r.type === types.Secret) {
                assertSecretAsSent(sent, obj, what);
            }
        }
        const [app] = await mgmt.get(["-n", "argocd", "applications.argoproj.io"]);
        assert.ok(app.metadata.finalizers?.includes(ARGOCD_RESOURCES_FINALIZER));
    });

    it("keeps replaced templates (retainOnDelete) and points the control plane and pool at the templates it created", async () => {
        // What the program does for a rollout: templates outlive their replacement (CAPI's
        // Cluster ownership collects them later; the simulator plays that part of CAPI, see
        // the destroy step). Checked here: the flag in the state and the references.
        const isTemplate = (r: StateResource) =>
            r.type === types.VSphereMachineTemplate || r.type === types.KubeadmConfigTemplate;
        const templates = deployed.filter(isTemplate);
        assert.ok(templates.length >= 2, "no templates in the state");
        assert.deepEqual(
            deployed
                .filter((r) => r.retainOnDelete === true)
                .map(objectKey)
                .sort(),
            templates.map(objectKey).sort(),
            "exactly the templates are retainOnDelete",
        );
        const owners = [
            ...(await mgmt.get([
                "-n",
                "capi-clusters",
                "kubeadmcontrolplanes.controlplane.cluster.x-k8s.io",
            ])),
            ...(await mgmt.get(["-n", "capi-clusters", "machinedeployments.cluster.x-k8s.io"])),
        ];
        const refs = owners.flatMap((o) => {
            const spec = o.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
            return [
                spec.machineTemplate?.spec?.infrastructureRef,
                spec.template?.spec?.infrastructureRef,
                spec.template?.spec?.bootstrap?.configRef,
            ].filter((x): x is { kind: string; name: string } => !!x);
        });
        const name = (r: StateResource) => {
            const o = r.outputs as KubeObject;
            return `${o.kind}/${o.metadata.name}`;
        };
        assert.deepEqual(
            refs.map((x) => `${x.kind}/${x.name}`).sort(),
            templates.map(name).sort(),
            "template references vs the templates in the state",
        );
    });

    it("registered the workload cluster in Argo CD with a working ServiceAccount token", async () => {
        const [token] = await workload.get(["-n", "kube-system", "secret/argocd-manager-token"]);
        const data = token.data as Record<string, string>;
        assert.ok(data.token, "the token controller filled the Secret");
        const { config: cfg } = await argoClusterSecret(mgmt);
        assert.equal(cfg.bearerToken, Buffer.from(data.token, "base64").toString("utf8"));
        assert.notEqual(cfg.tlsClientConfig.insecure, true);
        // Argo CD's view: the registered token and CA reach the workload API server (TLS
        // verified) and the cluster-admin binding lets it list Secrets.
        const status = await getWithBearer(
            workload.target.server,
            cfg.tlsClientConfig.caData,
            cfg.bearerToken,
            "/api/v1/namespaces/kube-system/secrets",
        );
        assert.equal(status, 200);
    });

    it("enforces the CRD schemas: an invalid Cluster is rejected by a server-side dry run", async () => {
        const cluster = (port: unknown) =>
            yaml.dump({
                apiVersion: apiVersions.cluster,
                kind: "Cluster",
                metadata: { name: "schema-probe", namespace: "capi-clusters" },
                spec: { controlPlaneEndpoint: { host: "10.99.0.64", port } },
            });
        const ok = await mgmt.kubectl(["create", "--dry-run=server", "-f", "-"], cluster(6443));
        assert.equal(ok.code, 0, ok.stderr);
        const bad = await mgmt.kubectl(["create", "--dry-run=server", "-f", "-"], cluster("six"));
        assert.notEqual(bad.code, 0, "the API server accepted a string port");
        assert.match(bad.stderr, /spec\.controlPlaneEndpoint\.port/);
    });

    it("previews again with 0 changes (--expect-no-changes)", async () => {
        const before = fakeArgo().requests.length;
        const d = await driver("preview", "lab", ExitCode.Ok, ["--expect-no-changes"]);
        // The sync provider's diff found nothing; a preview never calls Argo CD.
        assert.equal(fakeArgo().requests.length, before, "the preview talked to Argo CD");
        record("preview (no changes)", d);
        const c = d.summary.regions[0].changes;
        assert.deepEqual(
            { ...c, same: 0 },
            { create: 0, update: 0, delete: 0, replace: 0, same: 0 },
        );
        // Every resource of the state is "same" (the engine's counts leave the root stack out).
        assert.equal(c.same, (await exportState()).resources.length - 1);
        assert.equal(d.summary.regions[0].policyViolations.length, 0);
    });

    it("finds no drift (refresh --preview-only --expect-no-changes)", async () => {
        const before = fakeArgo().requests.length;
        const d = await driver("drift", "lab", ExitCode.Ok);
        record("drift", d);
        // The refresh read each app's status through the provider's read() (a plain GET), and
        // found it unchanged; nothing was synced again.
        for (const a of argoPlan.apps) {
            const reads = fakeArgo()
                .requests.slice(before)
                .filter(
                    (r) => r.method === "GET" && r.path === `/api/v1/applications/${a.appName}`,
                );
            assert.ok(reads.length >= 1, `refresh did not read ${a.appName}`);
        }
        assert.equal(syncPosts().length, argoPlan.apps.length, "the refresh started a sync");
    });

    it("fails up with the provider's message when Argo CD's sync fails (retries exhausted)", async () => {
        const cause =
            'one or more objects failed to apply, reason: BGPPeer.crd.projectcalico.org "tor-a" is invalid';
        for (const a of argoPlan.apps) {
            const fa = fakeArgo().apps.get(a.appName);
            assert.ok(fa, `the fake has no app ${a.appName}`);
            fa.onSync = [
                opRunning("waiting for healthy state of apps/Deployment/tigera-operator"),
                opRetrying(1, cause),
                opFinished("Failed", `${cause} (retried 1 times).`, {
                    sync: "OutOfSync",
                    health: "Progressing",
                    revision: "e2e0bad",
                    retryCount: 1,
                    resources: [
                        {
                            group: "crd.projectcalico.org",
                            kind: "BGPPeer",
                            name: "tor-a",
                            syncWave: 3,
                            health: { status: "Missing" },
                        },
                    ],
                    syncResources: [
                        {
                            group: "crd.projectcalico.org",
                            kind: "BGPPeer",
                            name: "tor-a",
                            status: "SyncFailed",
                            message: `${cause}: spec.asNumber: Invalid value`,
                        },
                    ],
                }),
            ];
        }
        // A new target revision changes the Application spec, hence the sync's trigger: an update.
        const set = await run(
            pulumiBin,
            [
                "config",
                "set",
                "--path",
                "--stack",
                "lab",
                `${PROJECT}:argocd.targetRevision`,
                "e2e-failing",
                "--non-interactive",
            ],
            { cwd: p.workDir, env: p.env, timeoutMs: 60_000 },
        );
        assert.equal(set.code, 0, tail(set));
        const d = await driver("up", "lab", ExitCode.Failure);
        record("up (failing sync)", d);
        const region = d.summary.regions[0];
        assert.equal(region.result, "failed");
        assert.deepEqual(
            region.failedResources.map((r) => r.type),
            argoPlan.apps.map(() => types.ArgoCdAppSync),
        );
        const text = region.errors.map((e) => e.message).join("\n");
        for (const a of argoPlan.apps) {
            assert.match(text, new RegExp(`Sync of Argo CD app ${a.namespace}/${a.appName} `));
        }
        assert.match(
            text,
            /ended in phase Failed at revision tigera-operator@v[\d.]+, cluster-config@e2e0bad:/,
        );
        assert.match(text, /BGPPeer tor-a \(wave 3\): SyncFailed: .*spec\.asNumber: Invalid value/);
        assert.match(text, /will not auto-retry this revision/);
        assert.equal(syncPosts().length, 2 * argoPlan.apps.length, "one more sync per app");
        expectedSyncs = 2 * argoPlan.apps.length;
        // The Application CR itself was updated before the sync ran.
        const [app] = await mgmt.get(["-n", "argocd", "applications.argoproj.io"]);
        const sources = (app.spec as { sources: { targetRevision: string }[] }).sources;
        assert.ok(sources.some((x) => x.targetRevision === "e2e-failing"));
    });

    it("holds no plaintext secret in the state (and its compressed backups), the work dir, summaries, reports, logs, the lab's logs or the runner's output", async () => {
        Object.assign(needles, p.secrets);
        needles["argocdToken signature"] = p.secrets.argocdToken.split(".")[2];
        const [token] = await workload.get(["-n", "kube-system", "secret/argocd-manager-token"]);
        const tok = (token.data as Record<string, string>).token;
        needles["SA token (base64)"] = tok;
        needles["SA token"] = Buffer.from(tok, "base64").toString("utf8");
        for (const [name, k] of [
            ["management", mgmt],
            ["workload", workload],
        ] as const) {
            const keyPem = k.target.auth.keyPem ?? "";
            assert.ok(keyPem, `${name} kubeconfig has a client key`);
            needles[`${name} client key (base64)`] = Buffer.from(keyPem)
                .toString("base64")
                .slice(0, 64);
            pemNeedles(keyPem).forEach((l, i) => (needles[`${name} client key line ${i}`] = l));
        }
        // The lab's own logs: timings, and each e2e cluster's etcd/apiserver/controller logs
        // (not its pki/ or kubeconfigs, which hold the client keys by design).
        const labLogs = [
            ...filesUnder(path.join(labHome, "logs")),
            ...[mgmt, workload].flatMap((k) =>
                filesUnder(path.dirname(k.kubeconfig)).filter((f) => f.endsWith(".log")),
            ),
        ];
        const files = [
            ...filesUnder(p.stateDir),
            ...filesUnder(p.workDir),
            ...filesUnder(p.outDir),
            ...filesUnder(p.logDir),
            ...labLogs,
        ];
        assert.ok(files.some((f) => f.endsWith("stack-export.json")));
        assert.ok(
            labLogs.some((f) => f.endsWith("apiserver.log")),
            "no API server log scanned",
        );
        const texts: ScannedText[] = [
            ...files.flatMap(scannableTexts),
            {
                where: "the test runner's output so far",
                text: runnerOutput.text(),
                decompressed: false,
            },
        ];
        // The backend writes gzipped state (PULUMI_DIY_BACKEND_GZIP): it was read decompressed.
        const states = texts.filter(
            (t) => t.decompressed && t.text.includes('"secrets_providers"'),
        );
        assert.ok(states.length >= 2, "no gzipped state and backup decompressed and scanned");
        assert.ok(runnerOutput.text().includes(SUITE_TITLE), "the runner's output is not captured");
        const leaks = findLeaks(texts, needles).map(
            (l) => `${l.secret} in ${path.relative(p.root, l.where)}`,
        );
        assert.deepEqual(leaks, [], "plaintext secrets found");
        process.stderr.write(
            `      scanned ${texts.length} texts (${states.length} decompressed states, ` +
                `${labLogs.length} lab logs, the runner's output) for ${Object.keys(needles).length} secrets\n`,
        );
        // Control: the state really holds these values, encrypted. Decrypted in memory only.
        const shown = await run(
            pulumiBin,
            ["stack", "export", "--stack", "lab", "--show-secrets", "--non-interactive"],
            { cwd: p.workDir, env: p.env, timeoutMs: 60_000 },
        );
        assert.equal(shown.code, 0, "pulumi stack export --show-secrets failed");
        const held = Object.keys(needles).filter((n) => shown.stdout.includes(needles[n]));
        for (const n of [
            "vspherePassword",
            "SA token (base64)",
            "management client key (base64)",
            "workload client key (base64)",
        ]) {
            assert.ok(held.includes(n), `the decrypted state should hold ${n}`);
        }
        process.stderr.write(`      decrypted state holds: ${held.join(", ")}\n`);
        // The Argo CD token reaches the sync provider through configure() only: it is never an
        // input, output or serialized closure of a resource; only a provider's config holds it.
        const holders = (
            JSON.parse(shown.stdout) as { deployment: { resources: StateResource[] } }
        ).deployment.resources
            .filter((r) => JSON.stringify(r).includes(p.secrets.argocdToken))
            .map((r) => r.type);
        process.stderr.write(`      argocdToken held by: ${holders.join(", ")}\n`);
        assert.ok(holders.length > 0, "the decrypted state should hold argocdToken");
        assert.deepEqual(
            holders.filter((t) => !t.startsWith("pulumi:providers:")),
            [],
            "argocdToken in a resource's inputs or outputs",
        );
    });

    it("destroys everything, the Application before the Argo CD cluster Secret before the CAPI Cluster", async () => {
        const watch = await watchDeletions(mgmt.target, [
            `/apis/${apiVersions.argocd}/namespaces/argocd/applications`,
            "/api/v1/namespaces/argocd/secrets",
            `/apis/${apiVersions.cluster}/namespaces/capi-clusters/clusters`,
        ]);
        let deletions: Deletion[] = [];
        const d = await driver("destroy", "lab", ExitCode.Ok, ["--yes"]).finally(async () => {
            deletions = await watch.stop();
        });
        record("destroy", d);
        // A sync is an action, not an object: deleting it does not call Argo CD.
        assert.equal(syncPosts().length, expectedSyncs, "destroy started a sync");
        const revision = (kind: string, name: string) => {
            const hit = deletions.find((x) => x.path.endsWith(`/${kind}`) && x.name === name);
            assert.ok(hit, `no DELETED event for ${kind}/${name}`);
            return hit.revision;
        };
        const app = revision("applications", "lab-apps-cluster-config");
        const secret = revision("secrets", "cluster-lab-apps");
        const cluster = revision("clusters", "lab-apps");
        process.stderr.write(
            `      deletion revisions: Application ${app}, cluster Secret ${secret}, Cluster ${cluster}\n`,
        );
        assert.ok(
            app < secret,
            `Application (rev ${app}) deleted after the cluster Secret (rev ${secret})`,
        );
        assert.ok(
            secret < cluster,
            `cluster Secret (rev ${secret}) deleted after the Cluster (rev ${cluster})`,
        );

        for (const r of deployed) {
            assert.deepEqual(await live(r, true), [], `${r.urn} is still in the API server`);
        }
        const leftovers = await mgmt.get(
            [
                "-A",
                [
                    "clusters.cluster.x-k8s.io",
                    "kubeadmcontrolplanes.controlplane.cluster.x-k8s.io",
                    "machinedeployments.cluster.x-k8s.io",
                    "machinehealthchecks.cluster.x-k8s.io",
                    "vsphereclusters.infrastructure.cluster.x-k8s.io",
                    "vspheremachinetemplates.infrastructure.cluster.x-k8s.io",
                    "kubeadmconfigtemplates.bootstrap.cluster.x-k8s.io",
                    "inclusterippools.ipam.cluster.x-k8s.io",
                    "applications.argoproj.io",
                ].join(","),
            ],
            true,
        );
        assert.deepEqual(
            leftovers.map((o) => `${o.kind}/${o.metadata.name}`),
            [],
        );
        assert.deepEqual(await mgmt.get(["namespace", "capi-clusters"], true), []);
        const argoSecrets = await mgmt.get([
            "-n",
            "argocd",
            "secrets",
            "-l",
            `${labels.argocdSecretType}=cluster`,
        ]);
        assert.deepEqual(argoSecrets, []);
        const wl = await workload.get(["-A", "serviceaccounts,secrets,clusterrolebindings"]);
        assert.deepEqual(
            wl
                .filter((o) => /argocd-manager|cloud-provider-vsphere/.test(o.metadata.name))
                .map((o) => o.metadata.name),
            [],
        );
    });
});
