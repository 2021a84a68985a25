// Shapes a fresh vcsim into the vCenter inventory a stack file names (vsphere.datacenter,
// computeCluster, datastore, network, folder, resourcePool and one VM template per Kubernetes
// version), so CAPV finds what cluster-fleet's machine templates point at. Started by
// `scripts/lab/vcsim.sh up --inventory STACKFILE`, against a vcsim started with one datacenter,
// one cluster with one host, one DV port group and one VM (vcsim's model names: DC0, DC0_C0,
// DC0_DVPG0, DC0_C0_RP0_VM0):
//   - the datacenter, cluster and port group are renamed (vcsim cannot rename a datastore, so the
//     datastore is a new local one in --datastore-dir);
//   - the folder path and any resource pools below the cluster's root pool are created;
//   - each template is a clone of the model VM (its disk, SCSI controller and NIC), marked as a
//     template; the model VM is destroyed.
// Running it again changes nothing.
//
//   node -r ts-node/register/transpile-only scripts/lab/vcsimInventory.ts --server 127.0.0.1:PORT \
//       --ca-file CA --username USER --password-file FILE --stack-file Pulumi.lab.yaml --datastore-dir DIR
import * as fs from "node:fs";
import { projectConfigOfStackFile } from "../../components/config/stackFile";
import { MoRef, ObjectContent, VsphereSoap, child, escapeXml, moRef, refXml } from "./vsphereSoap";
import { flagReader } from "./cliFlags";

export interface LabInventory {
    readonly datacenter: string;
    readonly computeCluster: string;
    readonly datastore: string;
    readonly network: string;
    /** VM folder path below the datacenter's VM folder, e.g. "fleet". */
    readonly folder: string;
    /** Pool path below the datacenter's host folder, e.g. "lab-c1/Resources". */
    readonly resourcePool: string;
    /** Template names, one per Kubernetes version. */
    readonly templates: readonly string[];
}

/** The inventory a stack file's `vsphere` section names. */
export function inventoryOfStackFile(text: string): LabInventory {
    const vs = projectConfigOfStackFile(text).vsphere as Record<string, unknown> | undefined;
    if (!vs) throw new Error("the stack file has no cluster-fleet:vsphere");
    const str = (k: string): string => {
        if (typeof vs[k] !== "string" || vs[k] === "")
            throw new Error(`cluster-fleet:vsphere.${k} is missing`);
        return vs[k] as string;
    };
    const templates = vs.templates as Record<string, string> | undefined;
    if (!templates || Object.keys(templates).length === 0) {
        throw new Error("cluster-fleet:vsphere.templates is empty");
    }
    const inv = {
        datacenter: str("datacenter"),
        computeCluster: str("computeCluster"),
        datastore: str("datastore"),
        network: str("network"),
        folder: str("folder").replace(/^\/+|\/+$/g, ""),
        resourcePool: str("resourcePool").replace(/^\/+|\/+$/g, ""),
        templates: [...new Set(Object.values(templates))].sort(),
    };
    const [cluster, root] = inv.resourcePool.split("/");
    if (cluster !== inv.computeCluster || root !== "Resources") {
        throw new Error(
            `cluster-fleet:vsphere.resourcePool "${inv.resourcePool}" must lie under "${inv.computeCluster}/Resources" in the lab`,
        );
    }
    return inv;
}

const only = (found: ObjectContent[], what: string): ObjectContent => {
    if (found.length !== 1)
        throw new Error(`vcsim has ${found.length} ${what}, expected exactly one`);
    return found[0];
};

/** Renames the only object of `type` to `name` unless it already has it. */
async function renameOnly(
    vc: VsphereSoap,
    type: string,
    name: string,
    log: (s: string) => void,
): Promise<MoRef> {
    const o = only(await vc.objects(type, ["name"]), type);
    if (o.props.name.text !== name) {
        await vc.task("Rename_Task", o.ref, `<newName>${escapeXml(name)}</newName>`);
        log(`${type} ${o.props.name.text} -> ${name}`);
    }
    return o.ref;
}

/** `child` of `parent` (a Folder or ResourcePool), created with `create` when missing. */
async function ensureChild(
    vc: VsphereSoap,
    parent: MoRef,
    type: string,
    name: string,
    create: () => Promise<MoRef>,
): Promise<MoRef> {
    const kids = await vc.objects(type, ["name", "parent"], parent);
    const found = kids.find(
        (k) => k.props.name.text === name && k.props.parent?.text.trim() === parent.value,
    );
    return found ? found.ref : create();
}

/** Renames the only DV port group that is a VM network (not the switch's uplinks). */
async function renameNetwork(
    vc: VsphereSoap,
    network: string,
    log: (s: string) => void,
): Promise<void> {
    const pgs = await vc.objects("DistributedVirtualPortgroup", ["name"]);
    const pg = only(
        pgs.filter((p) => !p.props.name.text.includes("-DVUplinks-")),
        "DV port groups (besides the uplinks)",
    );
    if (pg.props.name.text !== network) {
        await vc.task("Rename_Task", pg.ref, `<newName>${escapeXml(network)}</newName>`);
        log(`network ${pg.props.name.text} -> ${network}`);
    }
}

/** The datastore, created as a local one in `dir` on the cluster's only host when missing. */
async function ensureDatastore(
    vc: VsphereSoap,
    cluster: MoRef,
    name: string,
    dir: string,
    log: (s: string) => void,
): Promise<MoRef> {
    const host = only(
        await vc.objects("HostSystem", ["configManager.datastoreSystem"], cluster),
        "hosts",
    );
    if ((await vc.byName("Datastore", name)).length === 0) {
        fs.mkdirSync(dir, { recursive: true });
        await vc.call(
            "CreateLocalDatastore",
            moRef(host.props["configManager.datastoreSystem"]),
            `<name>${escapeXml(name)}</name><path>${escapeXml(dir)}</path>`,
        );
        log(`datastore ${name} (local, ${dir})`);
    }
    const [ds] = await vc.byName("Datastore", name);
    return ds.ref;
}

/** The folder path below `vmFolder`, each missing folder created. */
async function ensureFolder(
    vc: VsphereSoap,
    vmFolder: MoRef,
    folderPath: string,
    log: (s: string) => void,
): Promise<MoRef> {
    let folder = vmFolder;
    for (const name of folderPath.split("/").filter((s) => s !== "")) {
        const parent = folder;
        folder = await ensureChild(vc, parent, "Folder", name, async () => {
            const r = await vc.call("CreateFolder", parent, `<name>${escapeXml(name)}</name>`);
            log(`folder ${name}`);
            return moRef(child(r, "returnval")!);
        });
    }
    return folder;
}

/** CreateResourcePool's arguments: expandable, unlimited, normal shares. */
function resourcePoolSpec(name: string): string {
    return (
        `<name>${escapeXml(name)}</name><spec>` +
        ["cpuAllocation", "memoryAllocation"]
            .map(
                (a) =>
                    `<${a}><reservation>0</reservation><expandableReservation>true</expandableReservation>` +
                    `<limit>-1</limit><shares><shares>4000</shares><level>normal</level></shares></${a}>`,
            )
            .join("") +
        `</spec>`
    );
}

/** The pools of `poolPath` ("<cluster>/Resources/..."), each missing one created. */
async function ensurePool(
    vc: VsphereSoap,
    cluster: MoRef,
    poolPath: string,
    log: (s: string) => void,
): Promise<MoRef> {
    let pool = moRef((await vc.propsOf(cluster, ["resourcePool"])).resourcePool);
    for (const name of poolPath.split("/").slice(2)) {
        const parent = pool;
        pool = await ensureChild(vc, parent, "ResourcePool", name, async () => {
            const r = await vc.call("CreateResourcePool", parent, resourcePoolSpec(name));
            log(`resource pool ${name}`);
            return moRef(child(r, "returnval")!);
        });
    }
    return pool;
}

export async function shapeInventory(
    vc: VsphereSoap,
    inv: LabInventory,
    datastoreDir: string,
    log: (s: string) => void,
): Promise<void> {
    const dc = await renameOnly(vc, "Datacenter", inv.datacenter, log);
    const cluster = await renameOnly(vc, "ClusterComputeResource", inv.computeCluster, log);
    await renameNetwork(vc, inv.network, log);
    const ds = await ensureDatastore(vc, cluster, inv.datastore, datastoreDir, log);
    const vmFolder = moRef((await vc.propsOf(dc, ["vmFolder"])).vmFolder);
    await ensureFolder(vc, vmFolder, inv.folder, log);
    const pool = await ensurePool(vc, cluster, inv.resourcePool, log);
    await templates(vc, inv, vmFolder, pool, ds, log);
}

/** One template per name, cloned from vcsim's model VM, which then goes. */
async function templates(
    vc: VsphereSoap,
    inv: LabInventory,
    vmFolder: MoRef,
    pool: MoRef,
    ds: MoRef,
    log: (s: string) => void,
): Promise<void> {
    const vms = await vc.objects("VirtualMachine", [
        "name",
        "config.template",
        "runtime.powerState",
    ]);
    const models = vms.filter(
        (v) =>
            !inv.templates.includes(v.props.name.text) &&
            v.props["config.template"]?.text !== "true",
    );
    const missing = inv.templates.filter((t) => !vms.some((v) => v.props.name.text === t));
    if (missing.length > 0 && models.length === 0) {
        throw new Error(
            `no VM to make templates ${missing.join(", ")} from (start vcsim with -vm 1)`,
        );
    }
    for (const name of missing) {
        const spec =
            `<name>${escapeXml(name)}</name><spec><location>${refXml("datastore", ds)}${refXml("pool", pool)}</location>` +
            `<template>true</template><powerOn>false</powerOn></spec>`;
        await vc.task("CloneVM_Task", models[0].ref, `${refXml("folder", vmFolder)}${spec}`);
        log(`template ${name}`);
    }
    for (const m of models) {
        if (m.props["runtime.powerState"]?.text === "poweredOn")
            await vc.task("PowerOffVM_Task", m.ref);
        await vc.task("Destroy_Task", m.ref);
        log(`removed vcsim's model VM ${m.props.name.text}`);
    }
}

async function main(argv: readonly string[]): Promise<void> {
    const arg = flagReader("vcsimInventory", argv);
    const inv = inventoryOfStackFile(fs.readFileSync(arg("--stack-file"), "utf8"));
    const vc = new VsphereSoap(arg("--server"), fs.readFileSync(arg("--ca-file"), "utf8"));
    await vc.login(arg("--username"), fs.readFileSync(arg("--password-file"), "utf8").trim());
    try {
        await shapeInventory(vc, inv, arg("--datastore-dir"), (s) =>
            process.stderr.write(`[vcsim-inventory] ${s}\n`),
        );
    } finally {
        await vc.logout();
    }
    process.stdout.write(`${JSON.stringify(inv)}\n`);
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        process.stderr.write(`[vcsim-inventory] ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    });
}
