// End-to-end run of the lab stack reconciled by the real Cluster API controllers (issue 9):
// CAPI core, kubeadm bootstrap and control plane, CAPV and the in-cluster IPAM provider as
// local processes (scripts/lab/capi.sh) against a fresh management cluster, CAPV cloning into a
// vcsim shaped like the stack's vCenter (scripts/lab/vcsim.sh --inventory), and capi-sim playing
// only the machines' boot. Started by scripts/lab/e2e-capi.sh (npm run test:e2e:capi).
//
// Steps run in order (mocha --bail): each one needs the state the previous one left.
import * as assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { Netmask } from "netmask";
import { objectNames } from "../../components/capi/names";
import { PROJECT, labels } from "../../components/constants";
import { ExitCode } from "../../pipeline/exitCodes";
import { MASKED } from "../../pipeline/clusterOutputs";
import type { RunSummary } from "../../pipeline/summary";
import { VsphereSoap } from "../../scripts/lab/vsphereSoap";
import {
    BoundClaim,
    ClusterPlan,
    assertAllocatable,
    claims,
    editStack,
    objects,
    objectsOfCluster,
    stackForVcsim,
    vcsimVms,
    waitFor,
} from "./support/capiLab";
import { Kube, KubeObject, argoClusterSecret, getWithBearer } from "./support/kube";
import { run, RunResult, tail } from "./support/process";
import { LabProject, REPO_ROOT, finishProject, prepareProject, labEnv } from "./support/project";
import { startCapiSim, stopCapiSims } from "./support/capiSim";
import { reportTimings } from "./support/labTimings";

const requireEnv = labEnv("this through scripts/lab/e2e-capi.sh");

const NS = "capi-clusters";
const CLUSTER = "lab-apps";
const POOL = "general";
const ARGOCD_NS = "argocd";
/** The second cluster's block: the /26 after lab-apps's in the node subnet, clear of reserved. */
const EXTRA_BLOCK = "127.77.0.128/26";
/** The whole chain (claims, clone, boot, kubeadm init on the VIP) runs inside the first up. */
const READINESS_SECONDS = 900;

describe("capi e2e: the lab stack reconciled by the real Cluster API controllers", function () {
    this.timeout(30 * 60_000);

    const labHome = requireEnv("LAB_HOME");
    const pulumiBin = path.join(labHome, "bin", "pulumi");
    let mgmt: Kube;
    let vc: VsphereSoap;
    let p: LabProject;
    let sim: ChildProcess | undefined;
    let plan: ClusterPlan;
    /** The day-2 steps' second cluster (its name comes from e2e-capi.sh, which cleans it up). */
    const extra = requireEnv("LAB_E2E_CAPI_EXTRA_CLUSTER");
    let extraPlan: ClusterPlan;
    let beforeExtra: Footprint;
    let step = 0;
    const timings: [string, number][] = [];
    const stackFile = () => path.join(p.workDir, "Pulumi.lab.yaml");

    async function driver(command: string, extra: string[] = []): Promise<RunSummary> {
        step += 1;
        const base = `${String(step).padStart(2, "0")}-${command}`;
        const summaryPath = path.join(p.outDir, `${base}.json`);
        const result: RunResult = await run(
            process.execPath,
            [
                "-r",
                "ts-node/register/transpile-only",
                path.join(REPO_ROOT, "pipeline", "cli.ts"),
                command,
                "--stacks",
                "lab",
                "--work-dir",
                p.workDir,
                "--pulumi-root",
                labHome,
                "--summary",
                summaryPath,
                ...extra,
            ],
            {
                cwd: REPO_ROOT,
                env: p.env,
                timeoutMs: 25 * 60_000,
                logFile: path.join(p.logDir, `${base}.log`),
            },
        );
        assert.equal(result.timedOut, false, `${command} timed out:\n${tail(result)}`);
        assert.ok(fs.existsSync(summaryPath), `${command} wrote no summary:\n${tail(result)}`);
        const summary = JSON.parse(fs.readFileSync(summaryPath, "utf8")) as RunSummary;
        assert.equal(summary.exitCode, ExitCode.Ok, `${command} failed:\n${tail(result, 120)}`);
        return summary;
    }

    async function up(label: string): Promise<RunSummary> {
        const t0 = Date.now();
        const s = await driver("up");
        timings.push([label, Date.now() - t0]);
        return s;
    }

    async function previewHasNoChanges(): Promise<void> {
        const s = await driver("preview", ["--expect-no-changes"]);
        const c = s.regions[0].changes;
        assert.deepEqual(
            { ...c, same: 0 },
            { create: 0, update: 0, delete: 0, replace: 0, same: 0 },
        );
    }

    function editLabStack(edit: Parameters<typeof editStack>[1]): void {
        fs.writeFileSync(stackFile(), editStack(fs.readFileSync(stackFile(), "utf8"), edit));
    }

    /** A cluster's Machines (CAPI labels each with its cluster), or only its workers. */
    const machines = async (cluster = CLUSTER, role?: "worker") =>
        (await objects(mgmt, "machines.cluster.x-k8s.io", NS)).filter(
            (m) =>
                m.metadata.labels?.[labels.clusterName] === cluster &&
                (role !== "worker" ||
                    m.metadata.labels?.["cluster.x-k8s.io/deployment-name"] !== undefined),
        );

    /**
     * Every machine of the cluster has one bound claim (named `<machine>-<device>-<pool>` by CAPV),
     * every claim is allocatable from the cluster's pool; returns the bound claims.
     */
    async function boundClaims(
        expectedMachines: number,
        cluster = CLUSTER,
        clusterPlan = plan,
    ): Promise<BoundClaim[] | undefined> {
        const ms = await machines(cluster);
        const cs = (await claims(mgmt, NS)).filter((c) => c.claim.startsWith(`${cluster}-`));
        if (ms.length !== expectedMachines || cs.length !== expectedMachines) return undefined;
        if (cs.some((c) => "unbound" in c)) return undefined;
        const bound = cs as BoundClaim[];
        for (const b of bound) assertAllocatable(b, clusterPlan, objectNames(cluster).ipPool);
        assert.equal(
            new Set(bound.map((b) => b.address)).size,
            bound.length,
            "an address is bound twice",
        );
        return bound;
    }

    /** Machines with a Node (nodeRef set by CAPI), i.e. booted and registered. */
    async function runningMachines(
        n: number,
        cluster = CLUSTER,
    ): Promise<KubeObject[] | undefined> {
        const ms = await machines(cluster);
        const withNode = ms.filter(
            (m) => (m as { status?: { nodeRef?: unknown } }).status?.nodeRef,
        );
        return ms.length === n &&
            withNode.length === n &&
            ms.every((m) => !(m.metadata as { deletionTimestamp?: string }).deletionTimestamp)
            ? ms
            : undefined;
    }

    /** A cluster's pool and VIP (the up's outputs) with the stack copy's network. */
    function planOf(s: RunSummary, cluster: string): ClusterPlan {
        const out = s.regions[0].clusters;
        assert.ok(
            out && out !== MASKED && out[cluster] && out[cluster] !== MASKED,
            `no outputs of cluster ${cluster}`,
        );
        const o = out[cluster] as Record<string, string>;
        const [poolStart, poolEnd] = o.poolRange.split("-");
        const cfg = editStackRead(stackFile());
        return {
            vip: o.vip,
            poolStart,
            poolEnd,
            gateway: cfg.network.gateway,
            prefix: new Netmask(cfg.network.subnet).bitmask,
            reserved: cfg.network.reserved,
            nameservers: cfg.network.nameservers,
        };
    }

    /** CAPV cloned each of the cluster's VMs into the folder and pool with its claim's address. */
    async function assertClonedVms(
        cluster: string,
        bound: BoundClaim[],
        clusterPlan: ClusterPlan,
    ): Promise<void> {
        const vms = await vcsimVms(vc);
        const vsvms = (
            await objects(mgmt, "vspherevms.infrastructure.cluster.x-k8s.io", NS)
        ).filter((v) => v.metadata.name.startsWith(`${cluster}-`));
        assert.equal(vsvms.length, bound.length);
        for (const v of vsvms) {
            const vm = vms.find((x) => x.name === v.metadata.name);
            assert.ok(vm, `no VM ${v.metadata.name} in vcsim`);
            assert.equal(vm.folderPath, "/LAB/vm/fleet");
            assert.equal(vm.poolPath, "/LAB/host/lab-c1/Resources");
            assert.ok(vm.poweredOn, `${vm.name} is not powered on`);
            const dev = vm.metadata?.devices[0];
            assert.ok(dev, `${vm.name} has no network in its metadata`);
            assert.equal(dev.dhcp4, false);
            assert.equal(dev.dhcp6, false);
            const [address, prefix] = dev.addresses[0].split("/");
            const claim = bound.find((b) => b.claim.startsWith(`${v.metadata.name}-`));
            assert.ok(claim, `no claim for ${v.metadata.name}`);
            assert.equal(address, claim.address);
            assert.equal(Number(prefix), clusterPlan.prefix);
            assert.equal(dev.gateway4, clusterPlan.gateway);
            assert.deepEqual(dev.nameservers, clusterPlan.nameservers);
        }
    }

    /** The CAPI namespace's Clusters, pools, claims, addresses, Machines (name uid) and the VMs. */
    async function footprint(): Promise<Footprint> {
        const ids = async (resource: string) =>
            (await objects(mgmt, resource, NS))
                .map((o) => `${o.metadata.name} ${o.metadata.uid}`)
                .sort();
        return {
            clusters: await ids("clusters.cluster.x-k8s.io"),
            pools: await ids("inclusterippools.ipam.cluster.x-k8s.io"),
            claims: await ids("ipaddressclaims.ipam.cluster.x-k8s.io"),
            addresses: (await objects(mgmt, "ipaddresses.ipam.cluster.x-k8s.io", NS))
                .map(
                    (a) =>
                        `${a.metadata.name} ${String((a as { spec?: { address?: string } }).spec?.address)} ${a.metadata.uid}`,
                )
                .sort(),
            machines: await ids("machines.cluster.x-k8s.io"),
            vms: (await vcsimVms(vc)).map((v) => v.name).sort(),
        };
    }

    before(async function () {
        mgmt = new Kube(
            "management",
            requireEnv("LAB_E2E_MGMT_KUBECONFIG"),
            path.join(labHome, "bin", "kubectl"),
        );
        vc = new VsphereSoap(
            requireEnv("VSPHERE_SERVER"),
            fs.readFileSync(requireEnv("LAB_VCSIM_CA_FILE"), "utf8"),
        );
        const password = fs.readFileSync(requireEnv("LAB_VCSIM_PASSWORD_FILE"), "utf8").trim();
        await vc.login(requireEnv("VSPHERE_USER"), password);
        p = await prepareProject(mgmt.kubeconfig, pulumiBin);
        process.stderr.write(`      e2e work dir: ${p.root}\n`);
        // vcsim's address and thumbprint, generated for this run; the stack's password is vcsim's.
        fs.writeFileSync(
            stackFile(),
            stackForVcsim(
                fs.readFileSync(stackFile(), "utf8"),
                requireEnv("VSPHERE_SERVER"),
                requireEnv("LAB_VCSIM_THUMBPRINT"),
                READINESS_SECONDS,
            ),
        );
        const set = await run(
            pulumiBin,
            [
                "config",
                "set",
                "--secret",
                "--stack",
                "lab",
                `${PROJECT}:vspherePassword`,
                "--non-interactive",
            ],
            { cwd: p.workDir, env: p.env, input: password, timeoutMs: 60_000 },
        );
        assert.equal(set.code, 0, tail(set));
        const ns = await mgmt.kubectl(["create", "namespace", ARGOCD_NS]);
        assert.equal(ns.code, 0, ns.stderr);
        sim = startCapiSim(
            [
                "--management-kubeconfig",
                mgmt.kubeconfig,
                "--vcsim-server",
                requireEnv("VSPHERE_SERVER"),
                "--vcsim-ca-file",
                requireEnv("LAB_VCSIM_CA_FILE"),
                "--vcsim-username",
                requireEnv("VSPHERE_USER"),
                "--vcsim-password-file",
                requireEnv("LAB_VCSIM_PASSWORD_FILE"),
                "--state-dir",
                path.join(p.root, "capi-sim"),
                "--max-seconds",
                "3600",
            ],
            path.join(p.logDir, "capi-sim.log"),
        );
    });

    after(async function () {
        await stopCapiSims([sim]);
        reportTimings(
            labHome,
            "e2e capi",
            "capi e2e timings",
            timings.map(([l, ms]) => `${l}\t${(ms / 1000).toFixed(1)}s`),
        );
        finishProject(p, this.test?.parent);
    });

    it("the real KCP webhook rejects an invalid object (two stacked-etcd control-plane replicas)", async () => {
        const bad = {
            apiVersion: "controlplane.cluster.x-k8s.io/v1beta2",
            kind: "KubeadmControlPlane",
            metadata: { name: "webhook-probe", namespace: "default" },
            spec: {
                replicas: 2,
                version: "v1.34.4",
                machineTemplate: {
                    spec: {
                        infrastructureRef: {
                            apiGroup: "infrastructure.cluster.x-k8s.io",
                            kind: "VSphereMachineTemplate",
                            name: "x",
                        },
                    },
                },
                // Schema-valid (the CRD wants at least one property), so the webhook decides.
                kubeadmConfigSpec: { preKubeadmCommands: ["true"] },
            },
        };
        const r = await mgmt.kubectl(
            ["create", "--dry-run=server", "-f", "-"],
            JSON.stringify(bad),
        );
        assert.notEqual(r.code, 0, "the API server admitted two stacked-etcd replicas");
        // Only KCP's validating webhook has this rule (the CRD schema does not).
        assert.match(
            r.stderr,
            /spec\.replicas: Forbidden: cannot be an even number when etcd is stacked/,
        );
    });

    it("runs up: every object admitted by the real webhooks, claims bound, VMs cloned, KCP's kubeconfig used", async () => {
        // The workers' claims appear only after the control plane is initialized (CAPV waits for
        // their bootstrap data), which may be after the up returned: watch past its end.
        const t0 = Date.now();
        const deadline = t0 + 15 * 60_000;
        let claimsBoundAt: number | undefined;
        let kubeconfigAt: number | undefined;
        let upFailed = false;
        const watch = (async () => {
            while (
                !upFailed &&
                Date.now() < deadline &&
                (claimsBoundAt === undefined || kubeconfigAt === undefined)
            ) {
                try {
                    const cs = await claims(mgmt, NS);
                    if (
                        claimsBoundAt === undefined &&
                        cs.length === 3 &&
                        cs.every((c) => !("unbound" in c))
                    ) {
                        claimsBoundAt = Date.now();
                    }
                    const s = await mgmt.get(["secret", "-n", NS, `${CLUSTER}-kubeconfig`], true);
                    if (kubeconfigAt === undefined && s.length > 0) kubeconfigAt = Date.now();
                } catch {
                    // the objects appear during the up
                }
                await new Promise((r) => setTimeout(r, 1000));
            }
        })();
        const s = await up("up (first: create, reconcile, boot, register)").catch(async (e) => {
            upFailed = true;
            await watch;
            throw e;
        });
        await watch;
        plan = planOf(s, CLUSTER);
        assert.ok(claimsBoundAt, "the 3 claims were not all bound within 15 min of the up's start");
        assert.ok(kubeconfigAt, "no <cluster>-kubeconfig within 15 min of the up's start");
        timings.push(["up start to every claim bound", claimsBoundAt - t0]);
        timings.push([`up start to ${CLUSTER}-kubeconfig written`, kubeconfigAt - t0]);
        // The controllers' share, without the engine's start-up (API timestamps: 1 s steps).
        const created = async (args: string[]) =>
            Date.parse(String((await mgmt.get(args))[0].metadata.creationTimestamp));
        const clusterAt = await created(["clusters.cluster.x-k8s.io", "-n", NS, CLUSTER]);
        const lastAddressAt = Math.max(
            ...(await objects(mgmt, "ipaddresses.ipam.cluster.x-k8s.io", NS)).map((a) =>
                Date.parse(String(a.metadata.creationTimestamp)),
            ),
        );
        const secretAt = await created(["secret", "-n", NS, `${CLUSTER}-kubeconfig`]);
        timings.push(["Cluster created to the last IPAddress", lastAddressAt - clusterAt]);
        timings.push([`Cluster created to ${CLUSTER}-kubeconfig`, secretAt - clusterAt]);
        // 1 control plane + 2 workers, each with one bound, allocatable address.
        await waitFor("3 machines with bound claims", 60_000, () => boundClaims(3));
        await waitFor("3 machines with Nodes", 300_000, () => runningMachines(3));
    });

    it("KCP generated the cluster CA and wrote <cluster>-kubeconfig; the VIP serves a certificate from that CA", async () => {
        const [secret] = await mgmt.get(["secret", "-n", NS, `${CLUSTER}-kubeconfig`]);
        const owners =
            (secret.metadata as { ownerReferences?: { kind: string }[] }).ownerReferences ?? [];
        assert.ok(
            owners.some((r) => r.kind === "KubeadmControlPlane"),
            `owners: ${JSON.stringify(owners)}`,
        );
        const simText = fs.readFileSync(path.join(p.logDir, "capi-sim.log"), "utf8");
        assert.doesNotMatch(simText, /wrote Secret .*-kubeconfig/, "capi-sim wrote the kubeconfig");
        const [ca] = await mgmt.get(["secret", "-n", NS, `${CLUSTER}-ca`]);
        const caPem = Buffer.from(
            (ca.data as Record<string, string>)["tls.crt"],
            "base64",
        ).toString();
        // Verified TLS to the VIP against KCP's CA only.
        const cert = await new Promise<tls.PeerCertificate>((resolve, reject) => {
            const sock = tls.connect({ host: plan.vip, port: 6443, ca: caPem }, () => {
                resolve(sock.getPeerCertificate());
                sock.end();
            });
            sock.on("error", reject);
        });
        assert.ok(cert.subjectaltname?.includes(`IP Address:${plan.vip}`), cert.subjectaltname);
    });

    it("registration ran against CAPI's kubeconfig: the Argo CD cluster Secret names the VIP, its token and KCP's CA read the workload cluster", async () => {
        const { server, config: cfg } = await argoClusterSecret(mgmt);
        assert.equal(server, `https://${plan.vip}:6443`);
        assert.notEqual(cfg.tlsClientConfig.insecure, true);
        const [ca] = await mgmt.get(["secret", "-n", NS, `${CLUSTER}-ca`]);
        assert.equal(
            Buffer.from(cfg.tlsClientConfig.caData, "base64").toString().trim(),
            Buffer.from((ca.data as Record<string, string>)["tls.crt"], "base64")
                .toString()
                .trim(),
            "the registered CA is not the one KCP generated",
        );
        // The token exists only in the API server on the VIP: Argo CD's view of the cluster.
        const status = await getWithBearer(
            server,
            cfg.tlsClientConfig.caData,
            cfg.bearerToken,
            "/api/v1/namespaces/kube-system/secrets",
        );
        assert.equal(status, 200);
    });

    it("CAPV cloned each VM into the folder and pool, with its static address, prefix, gateway, nameservers and DHCP off", async () => {
        const bound = await boundClaims(3);
        assert.ok(bound, "not 3 machines with bound claims");
        await assertClonedVms(CLUSTER, bound, plan);
    });

    it("previews with 0 changes after up", async () => {
        await previewHasNoChanges();
    });

    it("scales the worker pool up (2 -> 3) and down (3 -> 1): claims and machines follow, within the pool", async () => {
        const scale = async (replicas: number) => {
            editLabStack((c) => {
                const wp = c.clusters
                    .find((x: { name: string }) => x.name === CLUSTER)
                    .workerPools.find((w: { name: string }) => w.name === POOL);
                wp.replicas = replicas;
            });
            await up(`up (workers -> ${replicas})`);
            await waitFor(`${replicas + 1} running machines`, 600_000, () =>
                runningMachines(replicas + 1),
            );
            await waitFor(`${replicas + 1} bound claims`, 120_000, () => boundClaims(replicas + 1));
            const ips = await objects(mgmt, "ipaddresses.ipam.cluster.x-k8s.io", NS);
            assert.equal(ips.length, replicas + 1, "released addresses were not returned");
            await previewHasNoChanges();
        };
        await scale(3);
        await scale(1);
    });

    it("a template change rolls the workers onto new addresses from the same pool", async () => {
        const before = (await boundClaims(2))!;
        const oldWorkers = (await machines(CLUSTER, "worker")).map((m) => m.metadata.name);
        editLabStack((c) => {
            const wp = c.clusters
                .find((x: { name: string }) => x.name === CLUSTER)
                .workerPools.find((w: { name: string }) => w.name === POOL);
            wp.cpus = 4;
        });
        await up("up (worker template change)");
        await waitFor("the rollout to finish", 900_000, async () => {
            const ws = await machines(CLUSTER, "worker");
            return ws.length === 1 &&
                !oldWorkers.includes(ws[0].metadata.name) &&
                (await runningMachines(2))
                ? ws
                : undefined;
        });
        const after = (await waitFor("2 bound claims", 120_000, () => boundClaims(2)))!;
        const newWorker = after.filter((a) => !before.some((b) => b.claim === a.claim));
        assert.equal(newWorker.length, 1, "the new worker has no new claim");
        assert.ok(
            !before.some((b) => b.address === newWorker[0].address),
            `the new worker got ${newWorker[0].address}, an address in use before the rollout`,
        );
        await previewHasNoChanges();
    });

    it("adds a second cluster: its claims are bound from its own pool, its VMs cloned with those addresses", async () => {
        // lab-apps settled after the rollout (old machine, VM, claim and address gone): the
        // baseline the removal below must leave untouched.
        beforeExtra = await waitFor(`${CLUSTER} settled at 2 machines`, 120_000, async () => {
            const f = await footprint();
            return (await boundClaims(2)) &&
                f.addresses.length === 2 &&
                f.claims.length === 2 &&
                f.vms.length === 2
                ? f
                : undefined;
        });
        editLabStack((c) => {
            const first = c.clusters.find((x: { name: string }) => x.name === CLUSTER);
            const machine = { cpus: 2, memoryMiB: 4096, diskGiB: 40 };
            c.clusters.push({
                name: extra,
                kubernetesVersion: first.kubernetesVersion,
                controlPlane: { replicas: 1, ...machine },
                workerPools: [{ name: POOL, replicas: 1, maxSurge: 1, ...machine }],
                addressBlock: EXTRA_BLOCK,
                podCidr: "172.31.0.0/16",
                serviceCidr: first.serviceCidr,
                bgp: { asNumber: first.bgp.asNumber + 1 },
            });
        });
        extraPlan = planOf(await up(`up (adds ${extra})`), extra);
        assert.ok(new Netmask(EXTRA_BLOCK).contains(extraPlan.vip), `VIP ${extraPlan.vip}`);
        // Booted and registered through the machine boot's API server on the second VIP.
        await waitFor(`2 ${extra} machines with Nodes`, 300_000, () => runningMachines(2, extra));
        const bound = await waitFor(`2 bound ${extra} claims`, 60_000, () =>
            boundClaims(2, extra, extraPlan),
        );
        await assertClonedVms(extra, bound, extraPlan);
    });

    it("removing it deletes it through CAPI's finalizers within the up, returns its addresses and leaves lab-apps untouched", async () => {
        editLabStack((c) => {
            c.clusters = c.clusters.filter((x: { name: string }) => x.name !== extra);
        });
        await up(`up (removes ${extra})`);
        // Right after the up: it deleted the Cluster and waited for it, and CAPI's finalizer held
        // the Cluster until machines, VMs and claims were gone; the pool goes after the Cluster
        // (IPAM keeps it while an address is allocated). The same uids: lab-apps was not touched.
        assert.deepEqual(
            await footprint(),
            beforeExtra,
            `${extra} left objects, or lab-apps changed`,
        );
        // What the Cluster (or its KCP, machines) only owns (its Secrets, templates Pulumi retains,
        // bootstrap configs) goes through the garbage collector after it: bounded wait below.
        let left = await objectsOfCluster(mgmt, [NS, ARGOCD_NS], extra);
        process.stderr.write(
            `      at the up's end ${left.length} objects of ${extra} were left for the garbage collector${left.length ? `: ${left.join(", ")}` : ""}\n`,
        );
        await previewHasNoChanges();
        await waitFor(`the garbage collector to remove the rest of ${extra}`, 60_000, async () => {
            left = await objectsOfCluster(mgmt, [NS, ARGOCD_NS], extra);
            return left.length === 0 ? true : undefined;
        }).catch((e: Error) => {
            throw new Error(`${e.message}; left: ${left.join(", ")}`);
        });
    });

    it("destroy deletes the cluster through CAPI's finalizers and returns every address", async () => {
        const t0 = Date.now();
        await driver("destroy", ["--yes"]);
        timings.push(["destroy (CAPI deletes machines, VMs, claims)", Date.now() - t0]);
        assert.deepEqual(await objects(mgmt, "clusters.cluster.x-k8s.io", NS), []);
        assert.deepEqual(await objects(mgmt, "machines.cluster.x-k8s.io", NS), []);
        assert.deepEqual(await objects(mgmt, "ipaddressclaims.ipam.cluster.x-k8s.io", NS), []);
        assert.deepEqual(await objects(mgmt, "ipaddresses.ipam.cluster.x-k8s.io", NS), []);
        assert.deepEqual(
            (await vcsimVms(vc)).map((v) => v.name),
            [],
            "VMs left in vcsim",
        );
    });
});

/** The stack copy's network config (what the plan is checked against). */
function editStackRead(file: string): {
    network: { gateway: string; subnet: string; reserved: string[]; nameservers: string[] };
} {
    let network:
        { gateway: string; subnet: string; reserved: string[]; nameservers: string[] } | undefined;
    editStack(fs.readFileSync(file, "utf8"), (c) => {
        network = c.network;
    });
    assert.ok(network, "the stack copy has no network");
    return { network };
}

/** What another cluster's removal must leave as it was (inventory lines, sorted). */
interface Footprint {
    readonly clusters: string[];
    readonly pools: string[];
    readonly claims: string[];
    readonly addresses: string[];
    readonly machines: string[];
    readonly vms: string[];
}
