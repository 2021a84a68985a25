import * as assert from "node:assert/strict";
import { clusterOutputs, stackOutputsFromDeployment } from "../clusterOutputs";
import { digestEvents } from "../events";
import { formatDuration, renderReport } from "../report";
import { buildRunSummary, skippedRegion, type RegionSummary } from "../summary";
import { loadEvents, loadState } from "./support";

function regionFrom(fixture: string, over: Partial<RegionSummary>): RegionSummary {
    const f = loadEvents(fixture);
    const d = digestEvents(f.events);
    return {
        stack: f.stack,
        command: "preview",
        result: "ok",
        durationMs: 61_000,
        changes: d.changes,
        policyViolations: d.policyViolations,
        errors: d.errors,
        failedResources: d.failedResources,
        ...over,
    };
}

describe("pipeline/report", () => {
    const summary = buildRunSummary({
        command: "preview",
        startedAt: new Date("2025-11-26T06:00:00.000Z"),
        finishedAt: new Date("2025-11-26T06:02:03.000Z"),
        interrupted: false,
        canary: "dev",
        concurrency: 2,
        backend: "file:///repo/.pulumi-state",
        pulumiVersion: "3.248.0",
        regions: [
            regionFrom("preview-dev-changes", {
                stack: "dev",
                clusters: clusterOutputs(
                    stackOutputsFromDeployment(loadState("state-dev-after-up")),
                ),
            }),
            regionFrom("preview-prod-mandatory", {
                stack: "prod",
                result: "policy-violation",
                cliExitCode: 1,
            }),
            regionFrom("up-prod-failure", { stack: "lab", result: "failed", cliExitCode: 255 }),
            skippedRegion("eu2", "preview", "not started: lab ended with failed"),
        ],
    });
    const text = renderReport(summary);

    it("has a headline with the outcome and a row per region plus totals", () => {
        const lines = text.split("\n");
        assert.equal(lines[0], "# cluster-fleet preview: failure (exit 1)");
        assert.ok(lines.includes("| dev | ok | 1 min 1 s | 24 | 0 | 0 | 0 | 0 | 0/1 | 0 |"), text);
        assert.ok(
            lines.includes(
                "| prod | policy-violation | 1 min 1 s | 24 | 0 | 0 | 0 | 0 | 1/1 | 1 |",
            ),
        );
        assert.ok(lines.includes("| lab | failed | 1 min 1 s | 0 | 0 | 0 | 0 | 14 | 0/0 | 2 |"));
        assert.ok(lines.includes("| eu2 | skipped | 0 ms | 0 | 0 | 0 | 0 | 0 | 0/0 | 0 |"));
        assert.ok(
            lines.includes(
                "| **total** | 1 ok, 1 policy-violation, 1 failed, 1 skipped | 2 min 3 s | 48 | 0 | 0 | 0 | 14 | 1/2 | 3 |",
            ),
            text,
        );
    });

    it("lists findings, failures, errors and clusters per region on one line each", () => {
        assert.match(text, /\n## prod: policy-violation\n/);
        assert.match(
            text,
            /\| mandatory \| control-plane-replicas \| cluster-fleet@0\.1\.0 \| urn:pulumi:lab-strict::cluster-fleet::[^|]*KubeadmControlPlane::lab-apps-control-plane \| KubeadmControlPlane replicas must be odd \(stacked etcd quorum\)/,
        );
        assert.match(
            text,
            /\| update \| kubernetes:cluster\.x-k8s\.io\/v1beta2:MachineDeployment \| urn:/,
        );
        assert.match(
            text,
            /- urn:pulumi:lab::[^\n]*MachineDeployment::lab-apps-general: 1 error occurred:\n {2}\t\* [^\n]*ValidatingAdmissionPolicy 'fleet-max-worker-replicas'/,
        );
        assert.match(
            text,
            /\| lab-apps \| https:\/\/127\.77\.0\.64:6443 \| 127\.77\.0\.64 \| 127\.77\.0\.64\/26 \| 127\.77\.0\.65-127\.77\.0\.127 \| v1\.34\.4 \| Unmanaged \| Unmanaged \|/,
        );
        assert.match(text, /Note: not started: lab ended with failed/);
        assert.doesNotMatch(text, /scrubbed by record-events|eyJhbGci/);
    });

    it("lists what the driver repaired before the command", () => {
        const r = regionFrom("up-dev-success", {
            command: "up",
            recovery: ["dev: an earlier update was interrupted", "running `pulumi cancel`"],
        });
        const out = renderReport({ ...summary, regions: [r] });
        assert.match(
            out,
            /Recovery \(done by the driver before the command\):\n\n- dev: an earlier update was interrupted\n- running `pulumi cancel`\n/,
        );
        assert.doesNotMatch(renderReport(summary), /Recovery/);
    });

    it("escapes table cells", () => {
        const s = buildRunSummary({
            command: "up",
            startedAt: new Date(0),
            finishedAt: new Date(5),
            interrupted: false,
            canary: "dev",
            concurrency: 1,
            backend: "file:///s",
            pulumiVersion: "3.248.0",
            regions: [
                {
                    ...skippedRegion("dev", "up", ""),
                    result: "policy-violation",
                    policyViolations: [
                        {
                            policyPack: "p",
                            policyPackVersion: "1",
                            policyName: "n",
                            level: "mandatory",
                            message: "a | b\nc",
                        },
                    ],
                },
            ],
        });
        assert.match(renderReport(s), /\| a \\\| b c \|/);
    });

    it("formats durations for people", () => {
        assert.equal(formatDuration(950), "950 ms");
        assert.equal(formatDuration(12_340), "12.3 s");
        assert.equal(formatDuration(125_000), "2 min 5 s");
    });
});
