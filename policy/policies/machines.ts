// VSphereMachineTemplate policies: static addressing from IPAM pools (no DHCP, no per-template
// fixed IPs, which would collide during rollouts), and a minimum size for control-plane machines.
import { PolicyConfigSchema, ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { apiGroups, kinds, labels, machineRoles, types } from "../../components/constants";
import { readConfig } from "../lib/config";
import { label, namespacedName } from "../lib/k8s";
import { readKnown, unknownAtPreview } from "../lib/known";

const POOL_KINDS: readonly string[] = [kinds.InClusterIPPool, "GlobalInClusterIPPool"];

type PoolRef = { apiGroup?: unknown; kind?: unknown; name?: unknown };

/** The addressing fields of device `i`, each pool reference copied field by field so that an
 *  unknown field is found here rather than in a check. */
function readDevice(list: readonly unknown[], i: number) {
    return readKnown(() => {
        const d = list[i] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        return {
            dhcp4: d?.dhcp4 as unknown,
            dhcp6: d?.dhcp6 as unknown,
            skipIPAllocation: d?.skipIPAllocation as unknown,
            ipAddrs: d?.ipAddrs as unknown,
            pools: (Array.isArray(d?.addressesFromPools)
                ? d.addressesFromPools.map((p: Record<string, unknown>) => ({
                      apiGroup: p?.apiGroup,
                      kind: p?.kind,
                      name: p?.name,
                  }))
                : d?.addressesFromPools) as unknown,
        };
    });
}

type Device = Extract<ReturnType<typeof readDevice>, { known: true }>["value"];

/** DHCP off, no opting out of IPAM, no fixed addresses (a template's are every clone's). */
function checkStatic(d: Device, tpl: string, at: string, report: ReportViolation): void {
    if (d.dhcp4 !== false) {
        report(`${tpl}: ${at}.dhcp4 must be false (static addresses from IPAM pools).`);
    }
    if (d.dhcp6 === true) {
        report(`${tpl}: ${at}.dhcp6 must not be true (static addresses from IPAM pools).`);
    }
    if (d.skipIPAllocation === true) {
        report(`${tpl}: ${at}.skipIPAllocation must not be true; nodes need a pool address.`);
    }
    if (Array.isArray(d.ipAddrs) && d.ipAddrs.length > 0) {
        report(
            `${tpl}: ${at}.ipAddrs must be empty: every machine cloned from a template ` +
                `would get the same address. Use addressesFromPools instead.`,
        );
    }
}

/** At least one pool reference, each to a named in-cluster IPAM pool. */
function checkPoolRefs(refs: unknown, tpl: string, at: string, report: ReportViolation): void {
    const pools = refs as PoolRef[];
    if (!Array.isArray(pools) || pools.length === 0) {
        report(`${tpl}: ${at}.addressesFromPools must reference an InClusterIPPool.`);
        return;
    }
    pools.forEach((p, j) => {
        if (p.apiGroup !== apiGroups.ipam || !POOL_KINDS.includes(String(p.kind))) {
            report(
                `${tpl}: ${at}.addressesFromPools[${j}] must be ` +
                    `{apiGroup: ${apiGroups.ipam}, kind: ${POOL_KINDS.join(" | ")}}.`,
            );
        }
        if (typeof p.name !== "string" || p.name === "") {
            report(`${tpl}: ${at}.addressesFromPools[${j}].name must name the pool.`);
        }
    });
}

export const machineStaticAddressing: ResourceValidationPolicy = {
    name: "machine-static-addressing",
    description:
        "VSphereMachineTemplate network devices must have DHCP off and take their addresses from IPAM pools.",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type !== types.VSphereMachineTemplate) {
            return;
        }
        const tpl = `VSphereMachineTemplate ${namespacedName(args.props)}`;
        const devs = readKnown(() => args.props.spec?.template?.spec?.network?.devices as unknown);
        if (!devs.known) {
            report(`${tpl}: ${unknownAtPreview("the network devices", devs.path)}`);
            return;
        }
        if (!Array.isArray(devs.value) || devs.value.length === 0) {
            report(`${tpl}: spec.template.spec.network.devices must list at least one device.`);
            return;
        }
        const list: unknown[] = devs.value;
        list.forEach((_d, i) => {
            const at = `spec.template.spec.network.devices[${i}]`;
            const dev = readDevice(list, i);
            if (!dev.known) {
                report(`${tpl}: ${unknownAtPreview(at, dev.path)}`);
                return;
            }
            checkStatic(dev.value, tpl, at, report);
            checkPoolRefs(dev.value.pools, tpl, at, report);
        });
    },
};

export interface ControlPlaneMachineSizeConfig {
    readonly minCpus: number;
    readonly minMemoryMiB: number;
}

const sizeName = "control-plane-machine-size";

const sizeSchema: PolicyConfigSchema = {
    properties: {
        minCpus: {
            type: "integer",
            minimum: 1,
            default: 2,
            description: "Fewest vCPUs of a control-plane machine (kubeadm requires 2).",
        },
        minMemoryMiB: {
            type: "integer",
            minimum: 1,
            default: 4096,
            description: "Least memory (MiB) of a control-plane machine.",
        },
    },
};

const ROLES: readonly string[] = Object.values(machineRoles);

export const controlPlaneMachineSize: ResourceValidationPolicy = {
    name: sizeName,
    description:
        `VSphereMachineTemplates carry the ${labels.role} label, and control-plane ones meet ` +
        "the minimum vCPU and memory.",
    severity: "medium",
    configSchema: sizeSchema,
    validateResource: (args, report) => {
        if (args.type !== types.VSphereMachineTemplate) {
            return;
        }
        const cfg = readConfig<ControlPlaneMachineSizeConfig>(
            sizeName,
            sizeSchema,
            args.getConfig(),
        );
        const tpl = `VSphereMachineTemplate ${namespacedName(args.props)}`;
        const role = readKnown(() => label(args.props, labels.role));
        if (!role.known) {
            report(`${tpl}: ${unknownAtPreview(`label ${labels.role}`, role.path)}`);
            return;
        }
        if (!role.value || !ROLES.includes(role.value)) {
            report(
                `${tpl}: label ${labels.role} must be one of ${ROLES.join(", ")} so that size ` +
                    `minimums apply to the right machines.`,
            );
            return;
        }
        if (role.value !== machineRoles.controlPlane) {
            return;
        }
        const size = readKnown(() => {
            const s = args.props.spec?.template?.spec;
            return { cpus: s?.numCPUs as unknown, memory: s?.memoryMiB as unknown };
        });
        if (!size.known) {
            report(`${tpl}: ${unknownAtPreview("the machine size", size.path)}`);
            return;
        }
        const { cpus, memory } = size.value;
        if (typeof cpus !== "number" || cpus < cfg.minCpus) {
            report(
                `${tpl}: spec.template.spec.numCPUs is ${String(cpus)}; control-plane machines ` +
                    `need at least ${cfg.minCpus}. Raise controlPlane.cpus in the cluster's config.`,
            );
        }
        if (typeof memory !== "number" || memory < cfg.minMemoryMiB) {
            report(
                `${tpl}: spec.template.spec.memoryMiB is ${String(memory)}; control-plane ` +
                    `machines need at least ${cfg.minMemoryMiB}. Raise controlPlane.memoryMiB.`,
            );
        }
    },
};

export const machinePolicies = [machineStaticAddressing, controlPlaneMachineSize];
