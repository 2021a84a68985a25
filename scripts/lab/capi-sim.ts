// Lab stand-ins for what does not run in the lab (scripts/lab/README.md). Two modes:
//
// With the real CAPI controllers (scripts/lab/capi.sh; --vcsim-server ...): the controllers do
// CAPI's work; this plays only the machines' boot (scripts/lab/machineBoot.ts: the guest's
// static address, kubeadm init on the VIP with KCP's CA, the kubelets' Nodes) and Argo CD's
// finalizer (below).
//
// Without controllers (--workload-kubeconfig FILE), it stands in for CAPI as well:
//   - CAPI: for every Cluster in the CAPI namespace of the management cluster, writes the
//     `<cluster>-kubeconfig` Secret (type cluster.x-k8s.io/secret, key `value`, cluster-name label,
//     owned by the Cluster so the garbage collector removes it with it), pointing at the lab's
//     workload kube-apiserver with a client certificate, in the shape CAPI's KubeadmControlPlane
//     writes it. It waits --delay-seconds after first seeing the Cluster, so the program's
//     readiness wait really has to poll. With --await-secret-poll the delay starts only once the
//     management API server has answered a Secret GET with 404 after the Cluster appeared (not
//     counting the sim's own): on a loaded machine the wait can start after a fixed delay.
//   - CAPI's template adoption: the MachineDeployment and KubeadmControlPlane controllers make the
//     Cluster the owner of the machine and bootstrap templates they reference, so templates
//     cluster-fleet leaves behind after a rollout (retainOnDelete) go with the Cluster.
//   - Argo CD's application controller, on delete only: removes the resources finalizer from
//     Applications being deleted. Nothing was deployed (there is no Argo CD), so there is nothing
//     to prune first. --real-argocd turns this off: a real Argo CD prunes, then removes it.
//
//   node -r ts-node/register/transpile-only scripts/lab/capi-sim.ts \
//       --management-kubeconfig FILE --workload-kubeconfig FILE \
//       [--namespace capi-clusters] [--argocd-namespace argocd] [--delay-seconds 2]
//       [--poll-ms 500] [--max-seconds 1800] [--real-argocd] [--await-secret-poll]
//   node -r ts-node/register/transpile-only scripts/lab/capi-sim.ts \
//       --management-kubeconfig FILE --vcsim-server 127.0.0.1:PORT --vcsim-ca-file FILE \
//       --vcsim-username USER --vcsim-password-file FILE --state-dir DIR [...]
//
// TLS is verified against the CAs in the kubeconfigs. It stops on SIGTERM/SIGINT, when stdin
// closes (the parent went away) or after --max-seconds. It prints no credential.
import * as fs from "node:fs";
import * as path from "node:path";
import { dump } from "js-yaml";
import { ARGOCD_RESOURCES_FINALIZER, apiVersions, kinds, labels } from "../../components/constants";
import { KubeconfigTarget, parseKubeconfig } from "../../components/providers/kubeconfig";
import {
    KubeObject,
    OwnerReference,
    SECRET_GET_404,
    apiserverRequests,
    list,
    request,
} from "./kubeRest";
import { MachineBoot } from "./machineBoot";
import { VsphereSoap } from "./vsphereSoap";
import { flagReader } from "./cliFlags";

/** The vcsim the real CAPV talks to, for the machines' boot. */
interface VcsimOptions {
    readonly server: string;
    readonly caFile: string;
    readonly username: string;
    readonly passwordFile: string;
    readonly stateDir: string;
}

interface Options {
    readonly managementKubeconfig: string;
    /** Without controllers: the API server the written kubeconfigs point at. */
    readonly workloadKubeconfig?: string;
    /** With the real controllers. */
    readonly vcsim?: VcsimOptions;
    readonly namespace: string;
    readonly argocdNamespace: string;
    readonly delaySeconds: number;
    /** Write a kubeconfig Secret only after someone else's GET of a Secret found none. */
    readonly awaitSecretPoll: boolean;
    readonly pollMs: number;
    readonly maxSeconds: number;
    readonly realArgoCd: boolean;
}

interface TemplateRef {
    readonly apiGroup: string;
    readonly kind: string;
    readonly name: string;
}

/** Plural resource paths of the templates the program references, by kind. */
const TEMPLATE_PATHS: Record<string, string> = {
    VSphereMachineTemplate: `/apis/${apiVersions.infrastructure}`,
    KubeadmConfigTemplate: `/apis/${apiVersions.bootstrap}`,
};

/** The template references of a KCP or MachineDeployment (v1beta2 shapes). */
function templateRefs(o: KubeObject): TemplateRef[] {
    const spec = (o.spec ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    return [
        spec.machineTemplate?.spec?.infrastructureRef,
        spec.template?.spec?.infrastructureRef,
        spec.template?.spec?.bootstrap?.configRef,
    ].filter(
        (r): r is TemplateRef => !!r && typeof r.name === "string" && r.kind in TEMPLATE_PATHS,
    );
}

function parseArgs(argv: readonly string[]): Options {
    const get = flagReader("capi-sim", argv);
    const num = (flag: string, fallback: string): number => {
        const n = Number(get(flag, fallback));
        if (!Number.isFinite(n) || n < 0) {
            throw new Error(`capi-sim: ${flag} must be a non-negative number`);
        }
        return n;
    };
    const has = (flag: string) => argv.includes(flag);
    if (has("--workload-kubeconfig") === has("--vcsim-server")) {
        throw new Error(
            "capi-sim: pass --workload-kubeconfig (no CAPI controllers) or --vcsim-server (real controllers), not both",
        );
    }
    const vcsim = has("--vcsim-server")
        ? {
              server: get("--vcsim-server"),
              caFile: get("--vcsim-ca-file"),
              username: get("--vcsim-username"),
              passwordFile: get("--vcsim-password-file"),
              stateDir: get("--state-dir"),
          }
        : undefined;
    return {
        managementKubeconfig: get("--management-kubeconfig"),
        ...(vcsim ? { vcsim } : { workloadKubeconfig: get("--workload-kubeconfig") }),
        namespace: get("--namespace", "capi-clusters"),
        argocdNamespace: get("--argocd-namespace", "argocd"),
        delaySeconds: num("--delay-seconds", "2"),
        pollMs: Math.max(100, num("--poll-ms", "500")),
        maxSeconds: num("--max-seconds", "1800"),
        realArgoCd: argv.includes("--real-argocd"),
        awaitSecretPoll: argv.includes("--await-secret-poll"),
    };
}

/** The kubeconfig CAPI writes for a cluster: its name, the server, CA and admin client cert. */
export function capiKubeconfig(cluster: string, workload: KubeconfigTarget): string {
    if (!workload.caData || !workload.auth.certPem || !workload.auth.keyPem) {
        throw new Error(
            "capi-sim: --workload-kubeconfig needs certificate-authority-data and a client " +
                "certificate (use the lab's admin.kubeconfig)",
        );
    }
    const user = `${cluster}-admin`;
    const context = `${user}@${cluster}`;
    const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");
    return dump({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: cluster,
                cluster: {
                    server: workload.server,
                    "certificate-authority-data": workload.caData,
                },
            },
        ],
        contexts: [{ name: context, context: { cluster, user } }],
        "current-context": context,
        preferences: {},
        users: [
            {
                name: user,
                user: {
                    "client-certificate-data": b64(workload.auth.certPem),
                    "client-key-data": b64(workload.auth.keyPem),
                },
            },
        ],
    });
}

/** The `<cluster>-kubeconfig` Secret, owned by the CAPI Cluster. */
export function kubeconfigSecret(
    cluster: KubeObject,
    namespace: string,
    kubeconfig: string,
): Record<string, unknown> {
    const name = cluster.metadata.name;
    return {
        apiVersion: "v1",
        kind: "Secret",
        type: "cluster.x-k8s.io/secret",
        metadata: {
            name: `${name}-kubeconfig`,
            namespace,
            labels: { [labels.clusterName]: name },
            ownerReferences: [
                {
                    apiVersion: apiVersions.cluster,
                    kind: kinds.Cluster,
                    name,
                    uid: cluster.metadata.uid,
                },
            ],
        },
        data: { value: Buffer.from(kubeconfig, "utf8").toString("base64") },
    };
}

function log(line: string): void {
    process.stdout.write(`[capi-sim] ${line}\n`);
}

/**
 * Secret GETs the management API server answered with 404, minus the sim's own: a baseline per
 * Cluster when it is first seen, then when a reader was first seen polling for a Secret since.
 */
class SecretPolls {
    private own = 0;
    private readonly baseline = new Map<string, number>();
    private readonly firstPoll = new Map<string, number>();

    constructor(private readonly mgmt: KubeconfigTarget) {}

    private async others(): Promise<number> {
        return (await apiserverRequests(this.mgmt, SECRET_GET_404)) - this.own;
    }

    async seen(key: string): Promise<void> {
        this.baseline.set(key, await this.others());
    }

    /** When a poll was first seen after the Cluster's baseline; undefined while none was. */
    async polledAt(key: string): Promise<number | undefined> {
        if (
            !this.firstPoll.has(key) &&
            (await this.others()) > (this.baseline.get(key) ?? Infinity)
        ) {
            this.firstPoll.set(key, Date.now());
        }
        return this.firstPoll.get(key);
    }

    countOwn404(): void {
        this.own += 1;
    }
}

/** Without controllers: CAPI's kubeconfig Secret and template adoption, then Argo CD's part. */
async function tick(
    o: Options,
    mgmt: KubeconfigTarget,
    workload: KubeconfigTarget,
    firstSeen: Map<string, number>,
    polls: SecretPolls | undefined,
): Promise<void> {
    const ns = encodeURIComponent(o.namespace);
    const clusters = await list(mgmt, `/apis/${apiVersions.cluster}/namespaces/${ns}/clusters`);
    for (const c of clusters) {
        const name = c.metadata.name;
        const key = c.metadata.uid;
        if (c.metadata.deletionTimestamp) {
            continue;
        }
        if (!firstSeen.has(key)) {
            await polls?.seen(key);
            firstSeen.set(key, Date.now());
            log(`saw Cluster ${o.namespace}/${name}`);
        }
        const since = polls ? await polls.polledAt(key) : firstSeen.get(key);
        if (since === undefined || Date.now() - since < o.delaySeconds * 1000) {
            continue;
        }
        const secretPath = `/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(`${name}-kubeconfig`)}`;
        const got = await request(mgmt, "GET", secretPath);
        if (got.status === 200) {
            continue;
        }
        if (got.status !== 404) {
            throw new Error(`GET Secret ${name}-kubeconfig: HTTP ${got.status}`);
        }
        polls?.countOwn404();
        const secret = kubeconfigSecret(c, o.namespace, capiKubeconfig(name, workload));
        const res = await request(mgmt, "POST", `/api/v1/namespaces/${ns}/secrets`, secret);
        if (res.status !== 201 && res.status !== 409) {
            throw new Error(`create Secret ${name}-kubeconfig: HTTP ${res.status}`);
        }
        log(
            `wrote Secret ${o.namespace}/${name}-kubeconfig (workload API server ${workload.server})`,
        );
    }

    await adoptTemplates(o, mgmt, clusters);
    await releaseArgoCdFinalizers(o, mgmt);
}

/** Argo CD's application controller, on delete only (there is no Argo CD to prune anything). */
async function releaseArgoCdFinalizers(o: Options, mgmt: KubeconfigTarget): Promise<void> {
    if (o.realArgoCd) {
        return;
    }
    const ans = encodeURIComponent(o.argocdNamespace);
    const apps = await list(mgmt, `/apis/${apiVersions.argocd}/namespaces/${ans}/applications`);
    for (const a of apps) {
        const finalizers = a.metadata.finalizers ?? [];
        if (!a.metadata.deletionTimestamp || !finalizers.includes(ARGOCD_RESOURCES_FINALIZER)) {
            continue;
        }
        // resourceVersion makes the patch fail (409) if the object changed meanwhile.
        const patch = {
            metadata: {
                resourceVersion: a.metadata.resourceVersion,
                finalizers: finalizers.filter((f) => f !== ARGOCD_RESOURCES_FINALIZER),
            },
        };
        const path = `/apis/${apiVersions.argocd}/namespaces/${ans}/applications/${encodeURIComponent(a.metadata.name)}`;
        const res = await request(mgmt, "PATCH", path, patch, "application/merge-patch+json");
        if (res.status !== 200 && res.status !== 404 && res.status !== 409) {
            throw new Error(
                `remove finalizer of Application ${a.metadata.name}: HTTP ${res.status}`,
            );
        }
        if (res.status === 200) {
            log(
                `removed ${ARGOCD_RESOURCES_FINALIZER} from Application ${o.argocdNamespace}/${a.metadata.name}`,
            );
        }
    }
}

/** Sets the Cluster as owner of every template its KCP and MachineDeployments reference. */
async function adoptTemplates(
    o: Options,
    mgmt: KubeconfigTarget,
    clusters: readonly KubeObject[],
): Promise<void> {
    const ns = encodeURIComponent(o.namespace);
    const owners = [
        ...(await list(
            mgmt,
            `/apis/${apiVersions.controlPlane}/namespaces/${ns}/kubeadmcontrolplanes`,
        )),
        ...(await list(mgmt, `/apis/${apiVersions.cluster}/namespaces/${ns}/machinedeployments`)),
    ];
    for (const owner of owners) {
        const clusterName = (owner.metadata as { labels?: Record<string, string> }).labels?.[
            labels.clusterName
        ];
        const cluster = clusters.find(
            (c) => c.metadata.name === clusterName && !c.metadata.deletionTimestamp,
        );
        if (!cluster) continue;
        const ref: OwnerReference = {
            apiVersion: apiVersions.cluster,
            kind: kinds.Cluster,
            name: cluster.metadata.name,
            uid: cluster.metadata.uid,
        };
        for (const t of templateRefs(owner)) {
            const path = `${TEMPLATE_PATHS[t.kind]}/namespaces/${ns}/${t.kind.toLowerCase()}s/${encodeURIComponent(t.name)}`;
            const got = await request(mgmt, "GET", path);
            if (got.status === 404) continue;
            if (got.status !== 200) throw new Error(`GET ${t.kind} ${t.name}: HTTP ${got.status}`);
            const obj = JSON.parse(got.body) as KubeObject;
            const refs = obj.metadata.ownerReferences ?? [];
            if (refs.some((r) => r.uid === ref.uid)) continue;
            const patch = {
                metadata: {
                    resourceVersion: obj.metadata.resourceVersion,
                    ownerReferences: [...refs, ref],
                },
            };
            const res = await request(mgmt, "PATCH", path, patch, "application/merge-patch+json");
            if (res.status !== 200 && res.status !== 404 && res.status !== 409) {
                throw new Error(`adopt ${t.kind} ${t.name}: HTTP ${res.status}`);
            }
            if (res.status === 200) log(`Cluster ${ref.name} now owns ${t.kind} ${t.name}`);
        }
    }
}

async function main(): Promise<number> {
    const o = parseArgs(process.argv.slice(2));
    const mgmt = parseKubeconfig(
        fs.readFileSync(o.managementKubeconfig, "utf8"),
        "--management-kubeconfig",
    );
    const step = await stepFor(o, mgmt);

    let stopping = false;
    const stop = (why: string) => {
        if (!stopping) {
            log(`stopping: ${why}`);
        }
        stopping = true;
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    process.stdin.on("end", () => stop("stdin closed"));
    process.stdin.on("error", () => stop("stdin closed"));
    process.stdin.resume();

    const deadline = Date.now() + o.maxSeconds * 1000;
    const firstSeen = new Map<string, number>();
    let failures = 0;
    log(`watching ${mgmt.server} namespace ${o.namespace} (and ${o.argocdNamespace} Applications)`);
    while (!stopping) {
        if (Date.now() > deadline) {
            stop(`--max-seconds ${o.maxSeconds} reached`);
            break;
        }
        try {
            await step(firstSeen);
            failures = 0;
        } catch (e) {
            failures += 1;
            log(`error (${failures} in a row): ${e instanceof Error ? e.message : String(e)}`);
        }
        await new Promise((r) => setTimeout(r, o.pollMs));
    }
    process.stdin.pause();
    return 0;
}

/** One poll of the mode `o` selects; checks its inputs before the first poll. */
async function stepFor(
    o: Options,
    mgmt: KubeconfigTarget,
): Promise<(firstSeen: Map<string, number>) => Promise<void>> {
    if (o.workloadKubeconfig) {
        const workload = parseKubeconfig(
            fs.readFileSync(o.workloadKubeconfig, "utf8"),
            "--workload-kubeconfig",
        );
        // Fail at start, not at the first Cluster, on an unusable workload kubeconfig.
        capiKubeconfig("probe", workload);
        const polls = o.awaitSecretPoll ? new SecretPolls(mgmt) : undefined;
        return (firstSeen) => tick(o, mgmt, workload, firstSeen, polls);
    }
    const v = o.vcsim!;
    const vc = new VsphereSoap(v.server, fs.readFileSync(v.caFile, "utf8"));
    await vc.login(v.username, fs.readFileSync(v.passwordFile, "utf8").trim());
    const boot = new MachineBoot(mgmt, vc, {
        namespace: o.namespace,
        labScripts: __dirname,
        stateDir: path.resolve(v.stateDir),
        log,
    });
    return async () => {
        await boot.tick();
        await releaseArgoCdFinalizers(o, mgmt);
    };
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`[capi-sim] ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
        },
    );
}
