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
                clusters: clusterOutputs(
                    stackOutputsFromDeployment(loadState("state-dev-after-up")),
                ),
            }),
            regionFrom("preview-prod-mandatory", { result: "policy-violation", cliExitCode: 1 }),
            regionFrom("up-prod-failure", { stack: "lab", result: "failed", cliExitCode: 255 }),
            skippedRegion("eu2", "preview", "not started: lab ended with failed"),
        ],
    });
    const text = renderReport(summary);

    it("has a headline with the outcome and a row per region plus totals", () => {
        const lines = text.split("\n");
        assert.equal(lines[0], "# cluster-fleet preview: failure (exit 1)");
        assert.ok(lines.includes("| dev | ok | 1 min 1 s | 11 | 0 | 0 | 0 | 0 | 0/1 | 0 |"), text);
        assert.ok(
            lines.includes(
                "| prod | policy-violation | 1 min 1 s | 0 | 1 | 0 | 0 | 10 | 1/1 | 0 |",
            ),
        );
        assert.ok(lines.includes("| eu2 | skipped | 0 ms | 0 | 0 | 0 | 0 | 0 | 0/0 | 0 |"));
        assert.ok(
            lines.includes(
                "| **total** | 1 ok, 1 policy-violation, 1 failed, 1 skipped | 2 min 3 s | 15 | 1 | 0 | 0 | 14 | 1/2 | 2 |",
            ),
            text,
        );
    });

    it("lists findings, failures, errors and clusters per region on one line each", () => {
        assert.match(text, /\n## prod: policy-violation\n/);
        assert.match(
            text,
            /\| mandatory \| control-plane-odd-replicas \| cluster-fleet-policy@0\.1\.0 \| urn:pulumi:prod::cluster-fleet::[^|]*KubeadmControlPlane::eu1-apps-cp \| control-plane-odd-replicas: Production control planes need an odd number of replicas \(3 or 5\) for etcd quorum\. KubeadmControlPlane eu1-apps-cp would have 2 replicas\. \|/,
        );
        assert.match(text, /\| create \| pulumi-nodejs:dynamic\/fleet:ApiServerReady \| urn:/);
        assert.match(
            text,
            /- urn:pulumi:prod::[^\n]*ApiServerReady::eu1-apps-apiserver: creating failed/,
        );
        assert.match(
            text,
            /\| eu1-apps \| https:\/\/10\.20\.0\.10:6443 \| 10\.20\.0\.10 \| 10\.20\.0\.0\/26 \| 10\.20\.0\.11-10\.20\.0\.40 \| v1\.34\.2 \| Synced \| Healthy \|/,
        );
        assert.match(text, /\| eu1-batch \| \[secret\] \| \[secret\] \|/);
        assert.match(text, /Note: not started: lab ended with failed/);
        assert.doesNotMatch(text, /never-leak|eyJhbGci/);
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
