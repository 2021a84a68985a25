// The readable report: a Markdown table per run and per region, rendered from a RunSummary.

import type { ClusterOutputs } from "./clusterOutputs";
import { MASKED } from "./clusterOutputs";
import type { ChangeCounts } from "./events";
import type { RegionSummary, RunSummary } from "./summary";

/** Table cell text: one line, pipes escaped. */
function cell(value: unknown): string {
    if (value === undefined || value === null || value === "") {
        return "-";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
    return [
        `| ${header.join(" | ")} |`,
        `|${header.map(() => "---").join("|")}|`,
        ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
    ];
}

export function formatDuration(ms: number): string {
    if (ms < 1000) {
        return `${ms} ms`;
    }
    const s = Math.round(ms / 100) / 10;
    if (s < 60) {
        return `${s.toFixed(1)} s`;
    }
    const m = Math.floor(s / 60);
    return `${m} min ${Math.round(s - m * 60)} s`;
}

function changeCells(c: ChangeCounts): number[] {
    return [c.create, c.update, c.delete, c.replace, c.same];
}

const CLUSTER_FIELDS = [
    ["endpoint", "Endpoint"],
    ["vip", "VIP"],
    ["addressBlock", "Block"],
    ["poolRange", "Pool range"],
    ["kubernetesVersion", "Kubernetes"],
    ["syncStatus", "Sync"],
    ["healthStatus", "Health"],
] as const;

function clusterLines(clusters: ClusterOutputs | typeof MASKED | undefined): string[] {
    if (clusters === undefined) {
        return [];
    }
    if (clusters === MASKED) {
        return ["", "Clusters: [secret]"];
    }
    const names = Object.keys(clusters).sort();
    if (names.length === 0) {
        return ["", "Clusters: none"];
    }
    const rows = names.map((name) => {
        const c = clusters[name];
        return [name, ...CLUSTER_FIELDS.map(([k]) => (c === MASKED ? MASKED : c[k]))];
    });
    return ["", "Clusters:", "", ...table(["Cluster", ...CLUSTER_FIELDS.map(([, h]) => h)], rows)];
}

function regionSection(r: RegionSummary): string[] {
    const lines = ["", `## ${r.stack}: ${r.result}`];
    if (r.result !== "skipped") {
        lines.push(
            "",
            `${r.command} took ${formatDuration(r.durationMs)}` +
                (r.cliExitCode !== undefined ? `, Pulumi CLI exit code ${r.cliExitCode}` : "") +
                ".",
        );
    }
    if (r.note) {
        lines.push("", `Note: ${r.note}`);
    }
    if (r.recovery && r.recovery.length > 0) {
        lines.push("", "Recovery (done by the driver before the command):", "");
        lines.push(...r.recovery.map((l) => `- ${l}`));
    }
    lines.push(...policyLines(r), ...failedLines(r), ...errorLines(r), ...clusterLines(r.clusters));
    return lines;
}

/** A titled table, or nothing when there are no rows. */
function tableSection(title: string, header: readonly string[], rows: unknown[][]): string[] {
    return rows.length === 0 ? [] : ["", `${title}:`, "", ...table(header, rows)];
}

function policyLines(r: RegionSummary): string[] {
    return tableSection(
        "Policy violations",
        ["Level", "Policy", "Pack", "Resource", "Message"],
        r.policyViolations.map((v) => [
            v.level,
            v.policyName,
            `${v.policyPack}@${v.policyPackVersion}`,
            v.urn,
            v.message,
        ]),
    );
}

function failedLines(r: RegionSummary): string[] {
    return tableSection(
        "Failed resources",
        ["Operation", "Type", "URN"],
        r.failedResources.map((f) => [f.op, f.type, f.urn]),
    );
}

/** Each error a list item; a message's further lines indented under it. */
function errorLines(r: RegionSummary): string[] {
    if (r.errors.length === 0) return [];
    return [
        "",
        "Errors:",
        "",
        ...r.errors.map((e) => {
            const text = e.message.split("\n").join("\n  ");
            return e.urn ? `- ${e.urn}: ${text}` : `- ${text}`;
        }),
    ];
}

export function renderReport(s: RunSummary): string {
    const header = ["Stack", "Result", "Duration", "Create", "Update", "Delete", "Replace", "Same"];
    const rows = s.regions.map((r) => [
        r.stack,
        r.result,
        formatDuration(r.durationMs),
        ...changeCells(r.changes),
        `${r.policyViolations.filter((v) => v.level === "mandatory").length}/` +
            `${r.policyViolations.filter((v) => v.level !== "mandatory").length}`,
        r.errors.length,
    ]);
    const t = s.totals;
    rows.push([
        "**total**",
        Object.entries(t.results)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${n} ${k}`)
            .join(", "),
        formatDuration(s.durationMs),
        ...changeCells(t.changes),
        `${t.policyViolations.mandatory}/${t.policyViolations.advisory + t.policyViolations.remediate}`,
        t.errors,
    ]);
    const lines = [
        `# cluster-fleet ${s.command}: ${s.outcome} (exit ${s.exitCode})`,
        "",
        `Started ${s.startedAt}, finished ${s.finishedAt}. Canary ${s.canary}, ` +
            `concurrency ${s.concurrency}, backend ${s.backend}, Pulumi ${s.pulumiVersion}.` +
            (s.interrupted ? " Interrupted by SIGINT." : ""),
        "",
        ...table([...header, "Policy (mandatory/advisory)", "Errors"], rows),
        ...s.regions.flatMap(regionSection),
    ];
    return lines.join("\n") + "\n";
}
