// Prints a region's IP plan from its stack file: `npm run ipam -- --stack prod`.
// Reads Pulumi.<stack>.yaml directly (no engine, no secrets needed) and validates it exactly as
// `pulumi up` would, so a plan that prints is a plan that deploys.
// `--assign` pins every unpinned cluster to an address block in the stack file (see
// components/blockAssignment.ts): a cluster keeps the block it already has; only clusters the plan
// rejects get a new one. A second run changes nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { BlockAssignment, assignBlocks } from "../components/blockAssignment";
import { ConfigError } from "../components/config/checker";
import { addressesNeeded } from "../components/config/clusters";
import { ipPlanRequests, parseRegionConfig, parseRegionSettings } from "../components/config/parse";
import { pinAddressBlocks } from "../components/config/pinAddressBlocks";
import { projectConfigOfStackFile } from "../components/config/stackFile";
import { IpPlanError } from "../components/ipPlan";

function stackFile(stack: string, root: string): string {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`no stack file ${file}; stacks here: ${listStacks(root).join(", ")}`);
    }
    return file;
}

/**
 * Pins every unpinned cluster of the stack file (written in place when anything changes).
 * Returns what was done, one line per cluster.
 */
export function assignStackFile(stack: string, root: string): string {
    const file = stackFile(stack, root);
    const text = fs.readFileSync(file, "utf8");
    const config = parseRegionSettings(projectConfigOfStackFile(text));
    let pins: BlockAssignment[];
    try {
        pins = assignBlocks(config.network, ipPlanRequests(config.clusters));
    } catch (e) {
        throw e instanceof IpPlanError ? new ConfigError(e.issues) : e;
    }
    if (pins.length === 0) {
        return `every cluster of ${path.basename(file)} is pinned; nothing to do`;
    }
    fs.writeFileSync(file, pinAddressBlocks(text, pins));
    return [
        ...pins.map(
            (p) =>
                `${p.path} ${p.name}: addressBlock ${p.block} ` +
                (p.kept
                    ? "(the block it has now)"
                    : "(new: its derived block is taken or too small)"),
        ),
        `wrote ${path.basename(file)}; review and commit it`,
    ].join("\n");
}

export function renderPlanTable(stack: string, root: string): string {
    const file = stackFile(stack, root);
    const { config, plan } = parseRegionConfig(
        projectConfigOfStackFile(fs.readFileSync(file, "utf8")),
        stack,
    );
    const header = [
        "cluster",
        "block",
        "VIP",
        "pool range",
        "capacity",
        "needed (incl. surge)",
        "free",
    ];
    const rows = plan.clusters.map((c) => {
        const cl = config.clusters.find((x) => x.name === c.cluster)!;
        return [
            c.cluster,
            c.block,
            c.vip,
            `${c.poolStart}-${c.poolEnd}`,
            String(c.capacity),
            String(addressesNeeded(cl)),
            String(c.capacity - c.needed),
        ];
    });
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => c.padEnd(widths[i]))
            .join("  ")
            .trimEnd();
    const out = [
        `Region ${config.region} (${config.environment}), subnet ${config.network.subnet}, gateway ${config.network.gateway}`,
        `Reserved: ${config.network.reserved.join(", ") || "none"}`,
        "",
        line(header),
        line(widths.map((w) => "-".repeat(w))),
        ...rows.map(line),
        "",
        `Free: ${plan.freeAddresses} addresses; ${plan.freeBlocks.length} free /${config.network.clusterBlockPrefix} blocks` +
            (plan.freeBlocks.length > 0
                ? ` (next: ${plan.freeBlocks.slice(0, 4).join(", ")})`
                : ""),
    ];
    return out.join("\n");
}

function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined);
}

function main(argv: string[]): number {
    const i = argv.indexOf("--stack");
    const stack = i >= 0 ? argv[i + 1] : undefined;
    const root = path.resolve(__dirname, "..");
    if (!stack) {
        process.stderr.write(
            `usage: npm run ipam -- --stack <${listStacks(root).join("|")}> [--assign]\n`,
        );
        return 2;
    }
    try {
        if (argv.includes("--assign")) {
            process.stdout.write(assignStackFile(stack, root) + "\n\n");
        }
        process.stdout.write(renderPlanTable(stack, root) + "\n");
        return 0;
    } catch (e) {
        // A ConfigError lists every problem of the stack file with its key path and fix.
        const hint = e instanceof ConfigError ? `\nfix these keys in Pulumi.${stack}.yaml` : "";
        process.stderr.write(`${e instanceof Error ? e.message : String(e)}${hint}\n`);
        return 1;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
