// What a booting machine does that the lab cannot run: the VMs CAPV clones in vcsim have no guest
// OS, so this plays three parts of the boot, each from what the real controllers produced:
//   - the guest's network (cloud-init): reads the static address CAPV wrote into the VM's
//     guestinfo.metadata and reports it as the guest's IP (vcsim's SET.guest.ipAddress), as
//     VMware Tools would; CAPV then copies it to the VSphereVM/VSphereMachine/Machine addresses.
//     CAPV ignores loopback guest addresses (ErrOnLocalOnlyIPAddr) and waits for one it accepts
//     before the VM is ready, but the lab's node network is in 127.0.0.0/8, so a loopback address
//     is reported in 198.18.0.0/15 instead (reportedGuestAddress): RFC 2544's benchmarking range,
//     never routed, and never contacted by anything in the lab (only the VIP is);
//   - kubeadm init on the first control-plane machine: starts a kube-apiserver for the cluster on
//     its VIP (scripts/lab/cluster.sh --address=VIP --ca=...) with the CA KCP generated
//     (`<cluster>-ca`), and uploads the kubeadm-config ConfigMap, through CAPI's own
//     `<cluster>-kubeconfig`; KCP reads that ConfigMap to mark the control plane initialized;
//   - the kubelet: one Ready Node per machine whose VM booted, with the machine's providerID and
//     address, so CAPI sets the Machine's nodeRef.
// When a Cluster is gone (CAPI removed its finalizers), its API server is stopped and wiped.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { load } from "js-yaml";
import { apiVersions } from "../../components/constants";
import { KubeconfigTarget, parseKubeconfig } from "../../components/providers/kubeconfig";
import { KubeObject, create, get, list, mergePatch } from "./kubeRest";
import { VsphereSoap, XmlNode, child, childrenNamed, escapeXml } from "./vsphereSoap";

const CONTROL_PLANE_LABEL = "cluster.x-k8s.io/control-plane";
const CLUSTER_NAME_LABEL = "cluster.x-k8s.io/cluster-name";

/** One network device of a VM's cloud-init metadata (netplan v2), as CAPV writes it. */
export interface GuestDevice {
    readonly mac: string;
    readonly dhcp4: boolean;
    readonly dhcp6: boolean;
    /** "address/prefix" */
    readonly addresses: string[];
    readonly gateway4?: string;
    readonly nameservers: string[];
    readonly searchDomains: string[];
}

export interface GuestMetadata {
    readonly hostname: string;
    readonly devices: GuestDevice[];
}

/** The base64 guestinfo.metadata CAPV put in a VM's config.extraConfig, if any. */
export function guestMetadataValue(extraConfig: XmlNode | undefined): string | undefined {
    const meta = childrenNamed(extraConfig, "OptionValue").find(
        (e) => child(e, "key")?.text === "guestinfo.metadata",
    );
    return meta ? child(meta, "value")!.text.trim() : undefined;
}

/** Decodes CAPV's guestinfo.metadata (base64 YAML). */
export function guestMetadata(base64: string): GuestMetadata {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = load(Buffer.from(base64, "base64").toString("utf8")) as any;
    if (!doc || typeof doc["local-hostname"] !== "string") {
        throw new Error("guestinfo.metadata has no local-hostname");
    }
    const ethernets = (doc.network?.ethernets ?? {}) as Record<string, Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const devices = Object.keys(ethernets)
        .sort()
        .map((id) => {
            const e = ethernets[id];
            return {
                mac: String(e.match?.macaddress ?? ""),
                dhcp4: e.dhcp4 === true,
                dhcp6: e.dhcp6 === true,
                addresses: ((e.addresses ?? []) as unknown[]).map(String),
                ...(e.gateway4 ? { gateway4: String(e.gateway4) } : {}),
                nameservers: ((e.nameservers?.addresses ?? []) as unknown[]).map(String),
                searchDomains: ((e.nameservers?.search ?? []) as unknown[]).map(String),
            };
        });
    return { hostname: doc["local-hostname"], devices };
}

/**
 * The guest IP the simulated VMware Tools report for a static address: the address itself, or
 * for a loopback one (which CAPV discards) 198.18.B.C for 127.A.B.C.
 */
export function reportedGuestAddress(address: string): string {
    const o = address.split(".").map(Number);
    if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
        throw new Error(`"${address}" is not an IPv4 address`);
    }
    return o[0] === 127 ? `198.18.${o[2]}.${o[3]}` : address;
}

/** kube-system/kubeadm-config as `kubeadm init` uploads it, from the KCP and Cluster specs. */
export function kubeadmConfigMap(cluster: KubeObject, kcp: KubeObject): Record<string, unknown> {
    const ep = cluster.spec?.controlPlaneEndpoint ?? {};
    const net = cluster.spec?.clusterNetwork ?? {};
    const given = kcp.spec?.kubeadmConfigSpec?.clusterConfiguration ?? {};
    const config = {
        apiVersion: "kubeadm.k8s.io/v1beta4",
        kind: "ClusterConfiguration",
        clusterName: cluster.metadata.name,
        kubernetesVersion: kcp.spec?.version,
        controlPlaneEndpoint: `${ep.host}:${ep.port}`,
        certificatesDir: "/etc/kubernetes/pki",
        imageRepository: "registry.k8s.io",
        etcd: { local: { dataDir: "/var/lib/etcd" } },
        networking: {
            dnsDomain: net.serviceDomain ?? "cluster.local",
            ...(net.pods?.cidrBlocks ? { podSubnet: net.pods.cidrBlocks.join(",") } : {}),
            ...(net.services?.cidrBlocks
                ? { serviceSubnet: net.services.cidrBlocks.join(",") }
                : {}),
        },
        ...(given.apiServer ? { apiServer: given.apiServer } : {}),
        ...(given.controllerManager ? { controllerManager: given.controllerManager } : {}),
        ...(given.scheduler ? { scheduler: given.scheduler } : {}),
    };
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "kubeadm-config", namespace: "kube-system" },
        data: { ClusterConfiguration: JSON.stringify(config, null, 2) },
    };
}

/** The Node a kubelet registers, and the status it reports once Ready. */
export function kubeletNode(
    name: string,
    providerID: string,
    controlPlane: boolean,
): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name,
            labels: {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                ...(controlPlane ? { "node-role.kubernetes.io/control-plane": "" } : {}),
            },
        },
        spec: {
            providerID,
            // kubeadm registers control-plane kubelets with this taint (KCP checks it).
            ...(controlPlane
                ? {
                      taints: [
                          { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
                      ],
                  }
                : {}),
        },
    };
}

/**
 * A healthy kubelet's four conditions (type, status, reason): CAPI's NodeHealthy stays Unknown,
 * and a rollout waits for availability forever, while any pressure condition is not reported.
 */
const KUBELET_CONDITIONS = [
    ["Ready", "True", "KubeletReady"],
    ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
    ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
    ["PIDPressure", "False", "KubeletHasSufficientPID"],
] as const;

export function kubeletStatus(
    address: string,
    version: string,
    now: Date,
): Record<string, unknown> {
    const t = now.toISOString().replace(/\.\d+Z$/, "Z");
    return {
        status: {
            addresses: [{ type: "InternalIP", address }],
            conditions: KUBELET_CONDITIONS.map(([type, status, reason]) => ({
                type,
                status,
                reason,
                message: "lab: the machine's boot is simulated (scripts/lab/machineBoot.ts)",
                lastHeartbeatTime: t,
                lastTransitionTime: t,
            })),
            nodeInfo: {
                kubeletVersion: version,
                kubeProxyVersion: version,
                containerRuntimeVersion: "lab://none",
                operatingSystem: "linux",
                architecture: "amd64",
                osImage: "cluster-fleet lab (no guest OS)",
                kernelVersion: "",
                machineID: "",
                systemUUID: "",
                bootID: "",
            },
        },
    };
}

interface Vm {
    readonly ref: { type: string; value: string };
    readonly name: string;
    readonly poweredOn: boolean;
    readonly guestIps: string[];
    readonly metadata?: GuestMetadata;
}

export interface MachineBootOptions {
    readonly namespace: string;
    /** scripts/lab, for cluster.sh. */
    readonly labScripts: string;
    /** Where the KCP-generated CAs are written for cluster.sh (0700). */
    readonly stateDir: string;
    readonly log: (line: string) => void;
}

/** The VM's first static address (from its metadata), without the prefix length. */
const staticAddressOf = (vm: Vm) => vm.metadata?.devices[0]?.addresses[0]?.split("/")[0];

/** Lab cluster name of a workload cluster's API server (cluster.sh NAME). */
export const labClusterName = (cluster: string) => `wl-${cluster}`;

export class MachineBoot {
    /** Clusters whose API server this process started (or found running). */
    private readonly apiServers = new Set<string>();

    constructor(
        private readonly mgmt: KubeconfigTarget,
        private readonly vc: VsphereSoap,
        private readonly o: MachineBootOptions,
    ) {}

    async tick(): Promise<void> {
        const ns = encodeURIComponent(this.o.namespace);
        const clusters = await list(
            this.mgmt,
            `/apis/${apiVersions.cluster}/namespaces/${ns}/clusters`,
        );
        const machines = await list(
            this.mgmt,
            `/apis/${apiVersions.cluster}/namespaces/${ns}/machines`,
        );
        const vms = new Map((await this.vms()).map((v) => [v.name, v]));
        for (const vm of vms.values()) await this.bootGuest(vm);
        for (const c of clusters) {
            const mine = machines.filter(
                (m) => m.metadata.labels?.[CLUSTER_NAME_LABEL] === c.metadata.name,
            );
            const booted = (m: KubeObject) => {
                const vm = vms.get(String(m.spec?.infrastructureRef?.name));
                return vm && vm.poweredOn && vm.guestIps.length > 0 ? vm : undefined;
            };
            const firstCp = mine.find(
                (m) => m.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined && booted(m),
            );
            if (firstCp && !c.metadata.deletionTimestamp) await this.kubeadmInit(c);
            if (!this.apiServers.has(c.metadata.name)) continue;
            const workload = await this.workloadTarget(c);
            if (!workload) continue;
            for (const m of mine) {
                const vm = booted(m);
                if (vm?.metadata && m.spec?.providerID && !m.metadata.deletionTimestamp) {
                    await this.kubelet(workload, m, vm);
                }
            }
        }
        for (const name of [...this.apiServers]) {
            if (!clusters.some((c) => c.metadata.name === name)) await this.stopApiServer(name);
        }
    }

    /** VMs in vcsim (not templates): power state, guest IPs and decoded metadata. */
    private async vms(): Promise<Vm[]> {
        const all = await this.vc.objects("VirtualMachine", [
            "name",
            "config.template",
            "config.extraConfig",
            "runtime.powerState",
            "guest.net",
        ]);
        return all
            .filter((o) => o.props["config.template"]?.text !== "true")
            .map((o) => {
                const meta = guestMetadataValue(o.props["config.extraConfig"]);
                const ips = childrenNamed(o.props["guest.net"], "GuestNicInfo").flatMap((n) =>
                    childrenNamed(n, "ipAddress").map((i) => i.text.trim()),
                );
                let metadata: GuestMetadata | undefined;
                try {
                    metadata = meta ? guestMetadata(meta) : undefined;
                } catch (e) {
                    this.o.log(
                        `VM ${o.props.name.text}: unreadable guestinfo.metadata (${(e as Error).message})`,
                    );
                }
                return {
                    ref: o.ref,
                    name: o.props.name.text,
                    poweredOn: o.props["runtime.powerState"]?.text === "poweredOn",
                    guestIps: ips,
                    metadata,
                };
            });
    }

    /** cloud-init in the guest: the first static address becomes the guest's reported IP. */
    private async bootGuest(vm: Vm): Promise<void> {
        const staticAddress = staticAddressOf(vm);
        if (!vm.poweredOn || !staticAddress) return;
        const address = reportedGuestAddress(staticAddress);
        if (vm.guestIps.includes(address)) return;
        const spec =
            `<spec><extraConfig xsi:type="OptionValue"><key>SET.guest.ipAddress</key>` +
            `<value xsi:type="xsd:string">${escapeXml(address)}</value></extraConfig></spec>`;
        await this.vc.task("ReconfigVM_Task", vm.ref, spec);
        this.o.log(
            `VM ${vm.name} booted: static ${staticAddress} from its guestinfo.metadata, reported as ${address}`,
        );
    }

    /** kubeadm init: the cluster's API server on its VIP with KCP's CA, and kubeadm-config. */
    private async kubeadmInit(c: KubeObject): Promise<void> {
        const name = c.metadata.name;
        const ns = encodeURIComponent(this.o.namespace);
        if (!this.apiServers.has(name)) {
            const ca = await get(
                this.mgmt,
                `/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(`${name}-ca`)}`,
            );
            const ep = c.spec?.controlPlaneEndpoint;
            if (!ca?.data?.["tls.crt"] || !ca.data["tls.key"] || !ep?.host) return;
            const dir = path.join(this.o.stateDir, `${name}-ca`);
            fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
            fs.writeFileSync(path.join(dir, "ca.crt"), Buffer.from(ca.data["tls.crt"], "base64"), {
                mode: 0o600,
            });
            fs.writeFileSync(path.join(dir, "ca.key"), Buffer.from(ca.data["tls.key"], "base64"), {
                mode: 0o600,
            });
            const lab = labClusterName(name);
            const portVar = `LAB_${lab.toUpperCase().replace(/-/g, "_")}_APISERVER_PORT`;
            this.o.log(
                `kubeadm init for ${name}: API server on ${ep.host}:${ep.port} with ${name}-ca`,
            );
            await this.clusterSh(["up", lab, `--address=${ep.host}`, `--ca=${dir}`], {
                [portVar]: String(ep.port),
            });
            this.apiServers.add(name);
        }
        const workload = await this.workloadTarget(c);
        const kcpName = c.spec?.controlPlaneRef?.name;
        if (!workload || !kcpName) return;
        const kcp = await get(
            this.mgmt,
            `/apis/${apiVersions.controlPlane}/namespaces/${ns}/kubeadmcontrolplanes/${encodeURIComponent(kcpName)}`,
        );
        if (!kcp) return;
        if (
            await create(
                workload,
                "/api/v1/namespaces/kube-system/configmaps",
                kubeadmConfigMap(c, kcp),
            )
        ) {
            this.o.log(`kubeadm init for ${name}: uploaded kube-system/kubeadm-config`);
        }
    }

    /** CAPI's own `<cluster>-kubeconfig`, once KCP has written it. */
    private async workloadTarget(c: KubeObject): Promise<KubeconfigTarget | undefined> {
        const ns = encodeURIComponent(this.o.namespace);
        const s = await get(
            this.mgmt,
            `/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(`${c.metadata.name}-kubeconfig`)}`,
        );
        const value = s?.data?.value;
        return value
            ? parseKubeconfig(
                  Buffer.from(value, "base64").toString("utf8"),
                  `${c.metadata.name}-kubeconfig`,
              )
            : undefined;
    }

    /** The kubelet of a booted machine: registers its Node and reports it Ready. */
    private async kubelet(workload: KubeconfigTarget, m: KubeObject, vm: Vm): Promise<void> {
        const node = vm.metadata!.hostname;
        const nodePath = `/api/v1/nodes/${encodeURIComponent(node)}`;
        const existing = await get(workload, nodePath);
        const reported = new Map<string, string>(
            (existing?.status?.conditions ?? []).map((x: { type: string; status: string }) => [
                x.type,
                x.status,
            ]),
        );
        if (existing && KUBELET_CONDITIONS.every(([t, v]) => reported.get(t) === v)) return;
        const cp = m.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined;
        if (!existing)
            await create(
                workload,
                "/api/v1/nodes",
                kubeletNode(node, String(m.spec!.providerID), cp),
            );
        await mergePatch(
            workload,
            `${nodePath}/status`,
            kubeletStatus(staticAddressOf(vm)!, String(m.spec?.version ?? ""), new Date()),
        );
        this.o.log(
            `kubelet on ${vm.name}: Node ${node} Ready (${staticAddressOf(vm)}, ${m.spec!.providerID})`,
        );
    }

    private async stopApiServer(name: string): Promise<void> {
        this.o.log(`Cluster ${name} is gone: stopping its API server`);
        await this.clusterSh(["down", labClusterName(name), "--purge"], {});
        fs.rmSync(path.join(this.o.stateDir, `${name}-ca`), { recursive: true, force: true });
        this.apiServers.delete(name);
    }

    private clusterSh(args: string[], env: Record<string, string>): Promise<void> {
        const script = path.join(this.o.labScripts, "cluster.sh");
        return new Promise((resolve, reject) => {
            execFile(
                script,
                args,
                { env: { ...process.env, ...env }, timeout: 180_000 },
                (err, _out, stderr) => {
                    for (const l of stderr.split("\n").filter((x) => x.trim() !== ""))
                        this.o.log(`  ${l}`);
                    if (err)
                        reject(new Error(`cluster.sh ${args.join(" ")} failed: ${err.message}`));
                    else resolve();
                },
            );
        });
    }
}
