// End-to-end run against a real Argo CD (issue 8). Started by scripts/lab/argocd-e2e.sh (a flow of
// npm run test:e2e), which builds nothing and starts, from scratch: a management cluster with a
// real Argo CD (scripts/lab/argocd.sh: server, repo-server, application controller as local
// processes, git and Helm chart repositories on loopback) and the workload cluster on the lab
// cluster's VIP:6443 with Calico's v3 CRDs, kube-scheduler and kwok nodes.
//
// Steps run in order (mocha --bail): each one needs the state the previous one left.
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { TIGERA_OPERATOR_NAMESPACE } from "../../components/argocd/clusterConfigApp";
import { apiVersions, labels, types } from "../../components/constants";
import { projectConfigOfStackFile } from "../../components/config/stackFile";
import { parseRegionConfig } from "../../components/config/parse";
import { ExitCode } from "../../pipeline/exitCodes";
import { MASKED } from "../../pipeline/clusterOutputs";
import type { RunSummary } from "../../pipeline/summary";
import { DriverRun, runDriver } from "./support/driver";
import * as yaml from "js-yaml";
import { Inventory, Kube, KubeObject, inventory, inventoryDiff, resourceArg } from "./support/kube";
import { run, tail } from "./support/process";
import { LabProject, REPO_ROOT, finishProject, prepareProject, labEnv } from "./support/project";
import {
    LabArgo,
    ObjectEvent,
    ObjectWatch,
    argoCall,
    argoGet,
    labArgoFromEnv,
    patchStackArgocd,
    watchObjects,
} from "./support/realArgoCd";
import { startCapiSim, stopCapiSims } from "./support/capiSim";
import { reportTimings } from "./support/labTimings";

const requireEnv = labEnv("through scripts/lab/argocd-e2e.sh");

const PLACEHOLDER = "SET-BY-CLUSTER-CONFIG-APP";
/** What each wave of cluster-config must create in the workload cluster (cluster-config/README.md). */
const WAVES: readonly { wave: number; path: string; name: string }[] = [
    { wave: 0, path: "/api/v1/namespaces/kube-system/configmaps", name: "vsphere-cloud-config" },
    {
        wave: 0,
        path: "/apis/apps/v1/namespaces/kube-system/daemonsets",
        name: "vsphere-cloud-controller-manager",
    },
    {
        wave: 0,
        path: "/api/v1/namespaces/tigera-operator/configmaps",
        name: "kubernetes-services-endpoint",
    },
    {
        wave: 0,
        path: "/apis/apps/v1/namespaces/tigera-operator/deployments",
        name: "tigera-operator",
    },
    { wave: 1, path: "/apis/operator.tigera.io/v1/installations", name: "default" },
    { wave: 1, path: "/apis/operator.tigera.io/v1/apiservers", name: "default" },
    { wave: 2, path: "/apis/projectcalico.org/v3/bgpconfigurations", name: "default" },
    { wave: 3, path: "/apis/projectcalico.org/v3/bgppeers", name: "tor-a" },
];

interface ArgoResource {
    group?: string;
    version?: string;
    kind: string;
    namespace?: string;
    name: string;
    status?: string;
    syncWave?: number | string;
    message?: string;
    syncPhase?: string;
    health?: { status?: string };
}

interface ArgoApp {
    metadata: { creationTimestamp: string };
    status: {
        sync: { status: string; revision?: string };
        health: { status: string };
        resources?: ArgoResource[];
        history?: {
            deployStartedAt?: string;
            deployedAt: string;
            initiatedBy?: { username?: string; automated?: boolean };
        }[];
        operationState?: {
            phase: string;
            message?: string;
            startedAt: string;
            finishedAt?: string;
            retryCount?: number | string;
            operation?: { initiatedBy?: { username?: string; automated?: boolean } };
            syncResult?: { revision?: string; resources?: ArgoResource[] };
        };
    };
}

/**
 * The CRDs the tigera-operator chart ships in crds/ (Helm installs them, Argo CD applies them), and
 * the APIService the API server registers for each group/version they serve.
 */
function chartCrds(): { names: string[]; apiServices: string[] } {
    const dir = path.join(REPO_ROOT, "..", "shared", "charts", "tigera-operator", "crds");
    const names: string[] = [];
    const apiServices = new Set<string>();
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
        if (!/\.ya?ml$/.test(f)) continue;
        for (const doc of yaml.loadAll(fs.readFileSync(path.join(dir, f), "utf8"))) {
            const d = doc as {
                kind?: string;
                metadata?: { name?: string };
                spec?: { group?: string; versions?: { name: string; served?: boolean }[] };
            } | null;
            if (d?.kind !== "CustomResourceDefinition" || !d.metadata?.name) continue;
            names.push(d.metadata.name);
            for (const v of d.spec?.versions ?? []) {
                if (v.served) apiServices.add(`${v.name}.${d.spec?.group}`);
            }
        }
    }
    return { names: names.sort(), apiServices: [...apiServices].sort() };
}

const secs = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)}s`;

describe("lab e2e with a real Argo CD: cluster-config synced into the workload cluster on its VIP", function () {
    this.timeout(30 * 60_000);

    const labHome = requireEnv("LAB_HOME");
    const kubectlBin = path.join(labHome, "bin", "kubectl");
    const pulumiBin = path.join(labHome, "bin", "pulumi");
    const region = parseRegionConfig(
        projectConfigOfStackFile(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.lab.yaml"), "utf8")),
    );
    const cluster = region.config.clusters[0];
    const plan = region.plan.clusters.find((c) => c.cluster === cluster.name)!;
    const server = `https://${plan.vip}:6443`;
    const appName = `${cluster.name}-cluster-config`;
    let mgmt: Kube;
    let workload: Kube;
    let argo: LabArgo;
    let p: LabProject;
    let sim: ChildProcess | undefined;
    let step = 0;
    let waveWatch: ObjectWatch | undefined;
    let appeared: ObjectEvent[] = [];
    let upSummary: RunSummary["regions"][number] | undefined;
    let upStarted = 0;
    let upEnded = 0;
    /** Argo CD's view of the app right after `up`. */
    let synced: ArgoApp | undefined;
    /** Both clusters before `up`: after `destroy` they must be exactly this again (but see there). */
    let mgmtBefore: Inventory;
    let wlBefore: Inventory;
    const figures: string[] = [];

    const driver = (command: string, stack: string, extra: string[] = []): Promise<DriverRun> =>
        runDriver(p, labHome, ++step, command, stack, extra);

    async function app(): Promise<ArgoApp> {
        const r = await argoGet(
            argo,
            `/api/v1/applications/${appName}?project=${encodeURIComponent(argo.project)}`,
        );
        assert.equal(r.status, 200, `GET application ${appName}: ${JSON.stringify(r.body)}`);
        return r.body as unknown as ArgoApp;
    }

    /** Keeps Argo CD's own view of the app in the run's logs (the real shapes, for diagnosis). */
    function keepApp(label: string, a: ArgoApp): void {
        fs.writeFileSync(path.join(p.logDir, `app-${label}.json`), JSON.stringify(a, null, 2));
    }

    async function liveOf(r: ArgoResource): Promise<KubeObject[]> {
        const apiVersion = r.group ? `${r.group}/${r.version}` : (r.version ?? "v1");
        return workload.get(
            [
                ...(r.namespace ? ["-n", r.namespace] : []),
                `${resourceArg(apiVersion, r.kind)}/${r.name}`,
            ],
            true,
        );
    }

    async function waitFor<T>(what: string, seconds: number, f: () => Promise<T | undefined>) {
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
            const v = await f();
            if (v !== undefined) return v;
            assert.ok(Date.now() < deadline, `${what}: not after ${seconds}s`);
            await new Promise((r) => setTimeout(r, 1000));
        }
    }

    before(async function () {
        mgmt = new Kube("management", requireEnv("LAB_E2E_ARGO_MGMT_KUBECONFIG"), kubectlBin);
        workload = new Kube("workload", requireEnv("LAB_E2E_ARGO_WL_KUBECONFIG"), kubectlBin);
        assert.equal(workload.target.server, server, "the workload API server is on the VIP");
        argo = labArgoFromEnv();
        p = await prepareProject(mgmt.kubeconfig, pulumiBin, {
            url: argo.url,
            caPem: argo.caPem,
            token: argo.token,
        });
        patchStackArgocd(p.workDir, "lab", {
            account: argo.account,
            project: argo.project,
            namespace: argo.namespace,
            repoURL: argo.gitUrl,
            targetRevision: "main",
            path: "cluster-config",
            chartRepoURL: argo.chartRepoUrl,
            // The lab policy minimum (3), with short backoffs: the broken revision fails within ~40 s.
            retry: { limit: 3, backoff: { duration: "5s", factor: 2, maxDuration: "20s" } },
            syncTimeoutSeconds: 600,
        });
        process.stderr.write(`      e2e work dir: ${p.root}\n`);
        mgmtBefore = await inventory(mgmt);
        wlBefore = await inventory(workload);
    });

    after(async function () {
        await waveWatch?.stop();
        await stopCapiSims([sim]);
        reportTimings(labHome, "e2e argocd", "Argo CD figures", figures);
        finishProject(p, this.test?.parent);
    });

    it("up: registers the cluster, syncs through the real argocd-server, outputs Synced/Healthy as Argo CD computed them", async () => {
        waveWatch = watchObjects(
            workload.target,
            [...new Set(WAVES.map((w) => w.path))],
            ["ADDED"],
        );
        sim = startCapiSim(
            [
                "--management-kubeconfig",
                mgmt.kubeconfig,
                "--workload-kubeconfig",
                workload.kubeconfig,
                "--delay-seconds",
                "3",
                "--max-seconds",
                "1800",
                "--real-argocd",
            ],
            path.join(p.logDir, "capi-sim.log"),
        );
        upStarted = Date.now();
        const d = await driver("up", "lab");
        upEnded = Date.now();
        assert.equal(d.summary.exitCode, ExitCode.Ok, tail(d.result, 80));
        upSummary = d.summary.regions[0];
        const clusters = upSummary.clusters;
        assert.ok(clusters && clusters !== MASKED, "no cluster outputs in the up summary");
        const out = clusters[cluster.name];
        assert.ok(out && out !== MASKED, `no outputs for ${cluster.name}`);
        synced = await app();
        keepApp("synced", synced);
        // The outputs are Argo CD's own verdict, read back from the real server.
        assert.equal(out.syncStatus, "Synced");
        assert.equal(out.healthStatus, "Healthy");
        assert.equal(synced.status.sync.status, "Synced");
        assert.equal(synced.status.health.status, "Healthy");
        assert.equal(synced.status.operationState?.phase, "Succeeded");
        figures.push(`up (whole, driver)\t${secs(upStarted, upEnded)}`);
    });

    it("Argo CD itself reports the connection Successful, using the ServiceAccount token cluster-fleet minted", async () => {
        const r = await argoGet(argo, `/api/v1/clusters?server=${encodeURIComponent(server)}`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const items = (r.body.items ?? []) as {
            server: string;
            info?: { connectionState?: { status?: string; message?: string } };
        }[];
        assert.equal(items.length, 1, `clusters registered under ${server}`);
        const state = items[0].info?.connectionState;
        assert.equal(state?.status, "Successful", state?.message);
        // The credential Argo CD uses is the token the workload cluster minted for argocd-manager.
        const [secret] = await mgmt.get([
            "-n",
            argo.namespace,
            "secrets",
            "-l",
            `${labels.argocdSecretType}=cluster`,
        ]);
        const data = secret.data as Record<string, string>;
        assert.equal(Buffer.from(data.server, "base64").toString(), server);
        const config = JSON.parse(Buffer.from(data.config, "base64").toString()) as {
            bearerToken: string;
            tlsClientConfig: { insecure?: boolean; caData?: string };
        };
        const [token] = await workload.get(["-n", "kube-system", "secret/argocd-manager-token"]);
        const minted = Buffer.from((token.data as { token: string }).token, "base64").toString();
        assert.ok(config.bearerToken === minted, "the cluster Secret holds the minted SA token");
        assert.notEqual(config.tlsClientConfig.insecure, true);
    });

    it("answers the way the fake and ../shared/notes/argocd.md assume (403 for missing, 404 with project=, 400 in progress, 401)", async () => {
        const found: string[] = [];
        const expect = async (
            what: string,
            call: Promise<{ status: number; body: Record<string, unknown> }>,
            status: number,
            code: number,
            message: RegExp,
        ) => {
            const r = await call;
            found.push(
                `${what}: ${r.status} code ${String(r.body.code)} "${String(r.body.message)}"`,
            );
            assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
            assert.equal(r.body.code, code, `${what}: gRPC code`);
            assert.match(String(r.body.message), message, what);
        };
        const missing = encodeURIComponent("https://127.77.0.99:6443");
        await expect(
            "GET missing cluster",
            argoGet(argo, `/api/v1/clusters/${missing}`),
            403,
            7,
            /^permission denied/,
        );
        const listed = await argoGet(argo, `/api/v1/clusters?server=${missing}`);
        assert.equal(listed.status, 200);
        assert.deepEqual(listed.body.items ?? [], [], "a missing cluster lists as no items");
        await expect(
            "GET missing app without project",
            argoGet(argo, "/api/v1/applications/nope"),
            403,
            7,
            /^permission denied/,
        );
        await expect(
            "GET missing app with project",
            argoGet(argo, `/api/v1/applications/nope?project=${argo.project}`),
            404,
            5,
            /applications.argoproj.io "nope" not found/,
        );
        await expect(
            "GET app in a project without RBAC",
            argoGet(argo, `/api/v1/applications/${appName}?project=default`),
            403,
            7,
            /^permission denied/,
        );
        await expect(
            "a non-JWT token",
            argoCall(argo, "GET", "/api/v1/clusters", { token: "not-a-jwt" }),
            401,
            16,
            /no session information|invalid session/,
        );
        // Two syncs back to back: the second meets the first's operation.
        const sync = () =>
            argoCall(argo, "POST", `/api/v1/applications/${appName}/sync`, {
                body: {
                    name: appName,
                    project: argo.project,
                    appNamespace: argo.namespace,
                    prune: true,
                },
            });
        const first = await sync();
        assert.equal(first.status, 200, JSON.stringify(first.body));
        await expect("second sync", sync(), 400, 9, /another operation is already in progress/);
        await waitFor("the extra sync finished", 180, async () => {
            const a = await app();
            const op = a.status.operationState;
            return op?.phase === "Succeeded" && a.status.health.status === "Healthy"
                ? a
                : undefined;
        });
        process.stderr.write(
            `      real answers:\n${found.map((f) => `        ${f}`).join("\n")}\n`,
        );
    });

    it("has every cluster-config object in the workload API server, per-cluster values patched in, no placeholder", async () => {
        const resources = (synced?.status.resources ?? []).filter((r) => r.kind !== "Namespace");
        assert.ok(resources.length >= 15, `only ${resources.length} resources in the app`);
        for (const r of resources) {
            const [obj] = await liveOf(r);
            assert.ok(
                obj,
                `${r.kind} ${r.namespace ?? ""}/${r.name} is not in the workload cluster`,
            );
            assert.ok(
                !JSON.stringify(obj).includes(PLACEHOLDER),
                `${r.kind}/${r.name} has a placeholder`,
            );
        }
        const one = async (args: string[]) =>
            (await workload.get(args))[0] as KubeObject & {
                spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
                data: Record<string, string>;
            };
        const bgp = await one(["bgpconfigurations.projectcalico.org/default"]);
        assert.equal(bgp.spec.asNumber, cluster.bgp.asNumber);
        assert.equal(bgp.spec.nodeToNodeMeshEnabled, false);
        const routers = region.config.bgp.routers;
        for (const router of routers) {
            const peer = await one([`bgppeers.projectcalico.org/${router.name}`]);
            assert.equal(peer.spec.peerIP, router.address);
            assert.equal(peer.spec.asNumber, router.asNumber);
        }
        const peers = await workload.get(["bgppeers.projectcalico.org"]);
        assert.deepEqual(
            peers.map((x) => x.metadata.name).sort(),
            routers.map((x) => x.name).sort(),
            "unused peer slots are deleted",
        );
        const inst = await one(["installations.operator.tigera.io/default"]);
        assert.equal(inst.spec.calicoNetwork.ipPools[0].cidr, cluster.podCidr);
        const ep = await one(["-n", "tigera-operator", "configmap/kubernetes-services-endpoint"]);
        assert.equal(ep.data.KUBERNETES_SERVICE_HOST, plan.vip);
        assert.equal(ep.data.KUBERNETES_SERVICE_PORT, "6443");
        const conf = await one(["-n", "kube-system", "configmap/vsphere-cloud-config"]);
        assert.match(conf.data["vsphere.conf"], new RegExp(region.config.vsphere.server));
        assert.match(conf.data["vsphere.conf"], new RegExp(`${plan.vip}/32`));
        assert.match(conf.data["vsphere.conf"], new RegExp(region.config.network.subnet));
        const ds = await one(["-n", "kube-system", "daemonset/vsphere-cloud-controller-manager"]);
        assert.match(ds.spec.template.spec.containers[0].image, /:v1\.34\.0$/);
        // Scheduled by kube-scheduler, run by kwok: the CPI on the control-plane node, the operator.
        const pods = await workload.get(["-A", "pods"]);
        const running = pods
            .filter((x) => (x.status as { phase?: string }).phase === "Running")
            .map((x) => `${x.metadata.namespace}/${x.metadata.name}`);
        assert.ok(
            running.some((n) => n.startsWith("kube-system/vsphere-cloud-controller-manager-")),
        );
        assert.ok(running.some((n) => n.startsWith("tigera-operator/tigera-operator-")));
    });

    it("ran the waves in order: Argo CD's syncResult and a watch on the workload API server", async () => {
        const op = synced?.status.operationState;
        // Cluster-scoped objects: no namespace in status.resources, the destination's in syncResult.
        const waveOf = new Map(
            (synced?.status.resources ?? []).map((r) => [
                `${r.group ?? ""}/${r.kind}/${r.namespace ?? ""}/${r.name}`,
                Number(r.syncWave ?? 0),
            ]),
        );
        const wave = (r: ArgoResource) =>
            waveOf.get(`${r.group ?? ""}/${r.kind}/${r.namespace ?? ""}/${r.name}`) ??
            waveOf.get(`${r.group ?? ""}/${r.kind}//${r.name}`);
        const order = (op?.syncResult?.resources ?? [])
            .filter((r) => r.syncPhase === "Sync" && r.kind !== "Namespace")
            .map((r) => wave(r) ?? -1);
        assert.ok(order.length > 0, "no Sync-phase results");
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
            `syncResult waves: ${order}`,
        );
        assert.deepEqual([...new Set(order)], [0, 1, 2, 3]);
        appeared = (await waveWatch!.stop()) ?? [];
        const pre = waveWatch!.preexisting.filter((e) =>
            WAVES.some((w) => w.path === e.path && w.name === e.name),
        );
        waveWatch = undefined;
        assert.deepEqual(
            pre.map((e) => `${e.kind}/${e.name}`),
            [],
            "existed before the watch",
        );
        const rev = WAVES.map((w) => {
            const e = appeared.find((x) => x.path === w.path && x.name === w.name);
            assert.ok(e, `no ADDED event for ${w.path} ${w.name}`);
            return { ...w, revision: e.revision };
        });
        for (let wave = 0; wave < 3; wave++) {
            const last = rev.filter((r) => r.wave === wave).map((r) => r.revision);
            const next = rev.filter((r) => r.wave === wave + 1).map((r) => r.revision);
            const maxLast = last.reduce((a, b) => (a > b ? a : b));
            const minNext = next.reduce((a, b) => (a < b ? a : b));
            assert.ok(
                maxLast < minNext,
                `wave ${wave} (rev ${maxLast}) not before wave ${wave + 1} (rev ${minNext})`,
            );
        }
        process.stderr.write(
            `      creation revisions: ${rev.map((r) => `w${r.wave} ${r.name} ${r.revision}`).join(", ")}\n`,
        );
    });

    it("figures: API server ready to Synced+Healthy, cluster-fleet's part and Argo CD's", async () => {
        const [kc] = await mgmt.get(["-n", "capi-clusters", `secret/${cluster.name}-kubeconfig`]);
        const [secret] = await mgmt.get([
            "-n",
            argo.namespace,
            "secrets",
            "-l",
            `${labels.argocdSecretType}=cluster`,
        ]);
        const created = (o: KubeObject) =>
            Date.parse((o.metadata as unknown as { creationTimestamp: string }).creationTimestamp);
        // history keeps every successful sync; the first one is what made the app Synced.
        const history = synced!.status.history ?? [];
        assert.ok(history.length > 0, "no sync in the app's history");
        const first = history[0];
        const ready = created(kc);
        const registered = created(secret);
        const appCreated = Date.parse(synced!.metadata.creationTimestamp);
        const opStart = Date.parse(first.deployStartedAt ?? first.deployedAt);
        const opEnd = Date.parse(first.deployedAt);
        const who = (h: (typeof history)[number]) =>
            h.initiatedBy?.automated ? "auto-sync" : (h.initiatedBy?.username ?? "?");
        figures.push(
            `kubeconfig Secret (API server ready) -> Argo CD cluster Secret\t${secs(ready, registered)}`,
            `-> Application created\t${secs(registered, appCreated)}`,
            `-> first sync started (by ${who(first)})\t${secs(appCreated, opStart)}`,
            `first sync (Argo CD: waves 0-3, health)\t${secs(opStart, opEnd)}`,
            `-> up finished (provider saw Synced+Healthy, engine done)\t${secs(opEnd, upEnded)}`,
            `ready -> up finished\t${secs(ready, upEnded)} (timestamps have 1 s resolution)`,
            `syncs during up: ${history.map(who).join(", ")}`,
        );
        assert.ok(opEnd >= opStart);
    });

    it("self-heals: a BGPPeer deleted in the workload cluster comes back without cluster-fleet", async () => {
        const router = region.config.bgp.routers[0].name;
        const [before] = await workload.get([`bgppeers.projectcalico.org/${router}`]);
        const t0 = Date.now();
        const del = await workload.kubectl(["delete", `bgppeers.projectcalico.org/${router}`]);
        assert.equal(del.code, 0, del.stderr);
        const back = await waitFor("BGPPeer recreated by Argo CD", 180, async () => {
            const [o] = await workload.get([`bgppeers.projectcalico.org/${router}`], true);
            return o && o.metadata.uid !== before.metadata.uid ? o : undefined;
        });
        assert.ok(back);
        figures.push(`self-heal (delete -> recreated)\t${secs(t0, Date.now())}`);
    });

    it("previews again with 0 changes", async () => {
        const d = await driver("preview", "lab", ["--expect-no-changes"]);
        assert.equal(d.summary.exitCode, ExitCode.Ok, tail(d.result, 80));
    });

    it("fails up on a broken revision with Argo CD's real failing-resource message, retries exhausted", async () => {
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-fleet-broken-"));
        const git = (args: string[]) =>
            run("git", ["-C", work, ...args], { cwd: work, env: process.env, timeoutMs: 60_000 });
        const clone = await run("git", ["clone", "-q", argo.gitDir, work], {
            cwd: REPO_ROOT,
            env: process.env,
            timeoutMs: 60_000,
        });
        assert.equal(clone.code, 0, clone.stderr);
        const file = path.join(work, "cluster-config", "calico", "bgp-configuration.yaml");
        const text = fs.readFileSync(file, "utf8");
        assert.match(text, /nodeToNodeMeshEnabled: false/);
        fs.writeFileSync(
            file,
            text.replace(/nodeToNodeMeshEnabled: false/, 'nodeToNodeMeshEnabled: "off"'),
        );
        for (const args of [
            ["checkout", "-q", "-b", "broken"],
            [
                "-c",
                "user.name=e2e",
                "-c",
                "user.email=e2e@cluster-fleet.invalid",
                "commit",
                "-qam",
                "broken",
            ],
            ["push", "-q", "origin", "broken"],
        ]) {
            const r = await git(args);
            assert.equal(r.code, 0, `git ${args.join(" ")}: ${r.stderr}`);
        }
        const head = await git(["rev-parse", "HEAD"]);
        assert.equal(head.code, 0, head.stderr);
        const brokenSha = head.stdout.trim();
        fs.rmSync(work, { recursive: true, force: true });
        patchStackArgocd(p.workDir, "lab", { targetRevision: "broken" });
        const t0 = Date.now();
        const d = await driver("up", "lab");
        figures.push(`up with the broken revision (fails)\t${secs(t0, Date.now())}`);
        assert.equal(d.summary.exitCode, ExitCode.Failure, tail(d.result, 80));
        const region0 = d.summary.regions[0];
        assert.deepEqual(
            region0.failedResources.map((r) => r.type),
            [types.ArgoCdAppSync],
        );
        const msg = region0.errors.map((e) => e.message).join("\n");
        process.stderr.write(`      up failed with:\n${msg.replace(/^/gm, "        ")}\n`);
        assert.match(msg, new RegExp(`Sync of Argo CD app ${argo.namespace}/${appName} `));
        // A two-source app: Argo CD gives the revision per source (syncResult.revisions).
        const chartVersion = region.config.argocd.tigeraOperatorVersion;
        assert.ok(
            msg.includes(
                `ended in phase Failed at revision tigera-operator@${chartVersion}, cluster-config@${brokenSha}:`,
            ),
            msg,
        );
        assert.match(msg, /BGPConfiguration default \(wave 2\): SyncFailed: .*boolean/);
        assert.match(msg, /retried 3 times/);
        const failed = await app();
        keepApp("failed", failed);
        assert.equal(failed.status.operationState?.phase, "Failed");
        assert.equal(Number(failed.status.operationState?.retryCount ?? 0), 3);
    });

    it("destroy: the resources finalizer prunes what Argo CD deployed before the cluster Secret and the Cluster go; nothing else left in either cluster", async () => {
        const managed = (await app()).status.resources ?? [];
        const mgmtWatch = watchObjects(
            mgmt.target,
            [
                `/apis/${apiVersions.argocd}/namespaces/${argo.namespace}/applications`,
                `/api/v1/namespaces/${argo.namespace}/secrets`,
                `/apis/${apiVersions.cluster}/namespaces/capi-clusters/clusters`,
            ],
            ["DELETED"],
        );
        const wlWatch = watchObjects(
            workload.target,
            [...new Set(WAVES.map((w) => w.path))],
            ["DELETED"],
        );
        await new Promise((r) => setTimeout(r, 1000));
        let mgmtDel: ObjectEvent[] = [];
        let wlDel: ObjectEvent[] = [];
        const d = await driver("destroy", "lab", ["--yes"]).finally(async () => {
            mgmtDel = await mgmtWatch.stop();
            wlDel = await wlWatch.stop();
        });
        assert.equal(d.summary.exitCode, ExitCode.Ok, tail(d.result, 80));
        const del = (kindPath: string, name: string) => {
            const e = mgmtDel.find((x) => x.path.endsWith(kindPath) && x.name === name);
            assert.ok(e, `no DELETED event for ${kindPath} ${name}`);
            return e;
        };
        const a = del("/applications", appName);
        const s = del("/secrets", `cluster-${cluster.name}`);
        const c = del("/clusters", cluster.name);
        assert.ok(
            a.revision < s.revision && s.revision < c.revision,
            `${a.revision} ${s.revision} ${c.revision}`,
        );
        for (const w of WAVES) {
            const e = wlDel.find((x) => x.path === w.path && x.name === w.name);
            assert.ok(e, `Argo CD did not delete ${w.path} ${w.name}`);
            assert.ok(e.at <= a.at, `${w.name} deleted after the Application was gone`);
        }
        // Left by Argo CD's design, and with CAPI gone with the machines (the lab's workload API
        // server outlives its Cluster): the CRDs (v3.5.7 controller shouldBeDeleted: !kube.IsCRD;
        // changelog v1.0 "Argo CD should not delete CRDs (#1425)", so that deleting an app never
        // deletes every custom resource of those kinds cluster-wide), and the destination
        // namespace CreateNamespace made (never tracked: sync_namespace.go, argo-cd#11196), with
        // what kube-controller-manager puts into every namespace; and the APIServices the API
        // server registers for the CRDs' group/versions.
        const crds = managed
            .filter((r) => r.kind === "CustomResourceDefinition")
            .map((r) => r.name)
            .sort();
        const chart = chartCrds();
        assert.deepEqual(crds, chart.names, "the app's CRDs are the chart's crds/");
        const ns = TIGERA_OPERATOR_NAMESPACE;
        const kept = [
            ...crds.map((n) => `apiextensions.k8s.io/CustomResourceDefinition /${n}`),
            ...chart.apiServices.map((n) => `apiregistration.k8s.io/APIService /${n}`),
            `/ConfigMap ${ns}/kube-root-ca.crt`,
            `/Namespace /${ns}`,
            `/ServiceAccount ${ns}/default`,
        ].sort();
        // Exactly as before `up`, but those CRDs; settled (the garbage collector, namespace
        // deletion), so polled for up to a minute.
        const settled = async (kube: Kube, before: Inventory, added: string[]) => {
            const want = { added, removed: [], replaced: [] };
            const deadline = Date.now() + 60_000;
            for (;;) {
                const diff = inventoryDiff(before, await inventory(kube));
                if (isDeepStrictEqual(diff, want) || Date.now() > deadline) {
                    assert.deepEqual(diff, want, `${kube.name} cluster not as before up`);
                    return;
                }
                await new Promise((r) => setTimeout(r, 2000));
            }
        };
        await settled(mgmt, mgmtBefore, []);
        await settled(workload, wlBefore, kept);
        process.stderr.write(
            `      left in the workload cluster: the chart's ${crds.length} CRDs and namespace ${ns} (Argo CD's design); nothing else in either cluster\n`,
        );
    });
});
