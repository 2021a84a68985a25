// Pure status evaluation: the `argocd app wait` in-progress rule and the resource reports.
import * as assert from "node:assert/strict";
import {
    appRevision,
    evaluateApp,
    failingResources,
    formatResource,
    operationInitiator,
    operationInProgress,
    unhealthyResources,
} from "../../components/argocd/appStatus";
import type { Application } from "../../components/argocd/client";

const T1 = "2026-05-01T10:00:01Z";
const T2 = "2026-05-01T10:00:02Z";

function app(o: {
    operation?: boolean;
    phase?: string;
    finishedAt?: string;
    reconciledAt?: string;
    sync?: string;
    health?: string;
    dryRun?: boolean;
}): Application {
    return {
        operation: o.operation ? { sync: {} } : undefined,
        status: {
            reconciledAt: o.reconciledAt,
            sync: { status: o.sync ?? "Synced", revision: "abc" },
            health: { status: o.health ?? "Healthy" },
            operationState: o.phase
                ? {
                      phase: o.phase,
                      message: "m",
                      startedAt: T1,
                      finishedAt: o.finishedAt,
                      operation: { sync: { dryRun: o.dryRun } },
                      syncResult: { revision: "def" },
                  }
                : undefined,
        },
    };
}

describe("appStatus", () => {
    describe("operationInProgress / evaluateApp", () => {
        it("operation set → in progress, even if the status says Synced+Healthy", () => {
            assert.equal(evaluateApp(app({ operation: true })).state, "in-progress");
        });

        it("operationState without finishedAt → in progress (Running, or Running to retry)", () => {
            assert.equal(operationInProgress(app({ phase: "Running" })), true);
        });

        it("finished but not yet re-compared (reconciledAt < finishedAt or missing) → in progress", () => {
            assert.equal(
                operationInProgress(app({ phase: "Succeeded", finishedAt: T2, reconciledAt: T1 })),
                true,
            );
            assert.equal(operationInProgress(app({ phase: "Succeeded", finishedAt: T2 })), true);
        });

        it("a dry run does not wait for reconciliation", () => {
            assert.equal(
                operationInProgress(app({ phase: "Succeeded", finishedAt: T2, dryRun: true })),
                false,
            );
        });

        it("finished, reconciled, Synced and Healthy → done, with the sync revision", () => {
            const ev = evaluateApp(app({ phase: "Succeeded", finishedAt: T1, reconciledAt: T1 }));
            assert.equal(ev.state, "done");
            assert.equal(ev.revision, "def");
            assert.equal(ev.finishedAt, T1);
        });

        it("finished Failed or Error → failed, whatever sync/health say", () => {
            for (const phase of ["Failed", "Error"]) {
                const ev = evaluateApp(
                    app({
                        phase,
                        finishedAt: T1,
                        reconciledAt: T2,
                        sync: "Synced",
                        health: "Healthy",
                    }),
                );
                assert.equal(ev.state, "failed");
            }
        });

        it("finished Succeeded but Degraded or OutOfSync → waiting", () => {
            assert.equal(
                evaluateApp(
                    app({
                        phase: "Succeeded",
                        finishedAt: T1,
                        reconciledAt: T2,
                        health: "Degraded",
                    }),
                ).state,
                "waiting",
            );
            assert.equal(evaluateApp(app({ sync: "OutOfSync" })).state, "waiting");
        });

        describe("appRevision", () => {
            const SHA = "9d3c2f1a7b6e5d4c3b2a19f8e7d6c5b4a3928170";
            const sources = [
                { repoURL: "https://charts.example/calico", chart: "tigera-operator" },
                { repoURL: "https://git.example/fleet.git", path: "cluster-config" },
            ];
            it("a failed multi-source sync (Argo CD v3.5): empty revision, one revision per source", () => {
                const failed: Application = {
                    spec: { sources },
                    status: {
                        sync: { status: "OutOfSync", revisions: ["v3.31.3", SHA] },
                        operationState: {
                            phase: "Failed",
                            operation: { sync: { revisions: ["v3.31.3", "broken"] } },
                            syncResult: { revision: "", revisions: ["v3.31.3", SHA], sources },
                        },
                    },
                };
                const want = `tigera-operator@v3.31.3, cluster-config@${SHA}`;
                assert.equal(appRevision(failed), want);
                assert.equal(evaluateApp(failed).revision, want);
            });
            it("falls back to the operation's request, then to the compared revisions", () => {
                const requested: Application = {
                    spec: { sources },
                    status: {
                        operationState: {
                            phase: "Error",
                            operation: { sync: { revisions: ["v3.31.3", "broken"] } },
                            syncResult: { revision: "" },
                        },
                    },
                };
                assert.equal(
                    appRevision(requested),
                    "tigera-operator@v3.31.3, cluster-config@broken",
                );
                const compared: Application = {
                    status: {
                        sync: {
                            status: "Synced",
                            revisions: ["v3.31.3", SHA],
                            comparedTo: { sources },
                        },
                    },
                };
                assert.equal(
                    appRevision(compared),
                    `tigera-operator@v3.31.3, cluster-config@${SHA}`,
                );
            });
            it("a single-source app keeps its one revision; nothing known → empty", () => {
                assert.equal(appRevision(app({ phase: "Failed", finishedAt: T1 })), "def");
                assert.equal(appRevision(app({})), "abc");
                assert.equal(appRevision({}), "");
                assert.equal(
                    appRevision({ status: { sync: { status: "Unknown", revisions: ["", ""] } } }),
                    "",
                );
            });
        });

        it("no status at all (not reconciled yet) → waiting with empty fields", () => {
            const ev = evaluateApp({});
            assert.equal(ev.state, "waiting");
            assert.equal(ev.syncStatus, "");
            assert.equal(ev.healthStatus, "");
        });
    });

    describe("resource reports", () => {
        const a: Application = {
            status: {
                resources: [
                    { group: "", kind: "Namespace", name: "calico-system", syncWave: -1 },
                    {
                        group: "operator.tigera.io",
                        kind: "Installation",
                        name: "default",
                        syncWave: 2,
                        health: { status: "Degraded", message: "calico-node not ready" },
                    },
                    {
                        group: "apps",
                        kind: "Deployment",
                        namespace: "tigera-operator",
                        name: "tigera-operator",
                        syncWave: "1" as unknown as number,
                        health: { status: "Healthy" },
                    },
                    {
                        group: "crd.projectcalico.org",
                        kind: "BGPPeer",
                        name: "tor-a",
                        syncWave: 3,
                        health: { status: "Missing" },
                    },
                ],
                operationState: {
                    phase: "Failed",
                    syncResult: {
                        resources: [
                            {
                                group: "crd.projectcalico.org",
                                kind: "BGPPeer",
                                name: "tor-a",
                                status: "SyncFailed",
                                message: "the server could not find the requested resource",
                            },
                            {
                                group: "",
                                kind: "Namespace",
                                name: "calico-system",
                                status: "Synced",
                            },
                            {
                                group: "batch",
                                kind: "Job",
                                namespace: "calico-system",
                                name: "bgp-check",
                                hookType: "PostSync",
                                hookPhase: "Failed",
                                message: "Job has reached the specified backoff limit",
                            },
                            {
                                group: "operator.tigera.io",
                                kind: "Installation",
                                name: "default",
                                status: "SyncFailed",
                                message: "admission webhook denied",
                            },
                        ],
                    },
                },
            },
        };

        it("failingResources: SyncFailed and failed hooks, with waves joined from status.resources", () => {
            const f = failingResources(a);
            assert.deepEqual(f.map(formatResource), [
                "Job calico-system/bgp-check: hook Failed: Job has reached the specified backoff limit",
                "Installation default (wave 2): SyncFailed: admission webhook denied",
                "BGPPeer tor-a (wave 3): SyncFailed: the server could not find the requested resource",
            ]);
        });

        it("failingResources: as a real Argo CD v3.5 reports them (lab): cluster-scoped objects carry the destination namespace, every resource a hookPhase", () => {
            const real: Application = {
                status: {
                    resources: [
                        {
                            group: "projectcalico.org",
                            kind: "BGPConfiguration",
                            name: "default",
                            syncWave: 2,
                        },
                        {
                            kind: "ConfigMap",
                            namespace: "kube-system",
                            name: "vsphere-cloud-config",
                        },
                    ],
                    operationState: {
                        phase: "Failed",
                        syncResult: {
                            resources: [
                                {
                                    group: "",
                                    kind: "ConfigMap",
                                    namespace: "kube-system",
                                    name: "vsphere-cloud-config",
                                    status: "Synced",
                                    hookPhase: "Succeeded",
                                    syncPhase: "Sync",
                                },
                                {
                                    group: "projectcalico.org",
                                    kind: "BGPConfiguration",
                                    namespace: "tigera-operator",
                                    name: "default",
                                    status: "SyncFailed",
                                    hookPhase: "Failed",
                                    syncPhase: "Sync",
                                    message:
                                        "spec.nodeToNodeMeshEnabled in body must be of type boolean",
                                },
                            ],
                        },
                    },
                },
            };
            assert.deepEqual(failingResources(real).map(formatResource), [
                "BGPConfiguration default (wave 2): SyncFailed: spec.nodeToNodeMeshEnabled in body must be of type boolean",
            ]);
        });

        it("wave 0 has no syncWave (omitempty): a tracked failing or unhealthy resource is in wave 0", () => {
            const w0: Application = {
                status: {
                    resources: [
                        {
                            group: "apps",
                            kind: "Deployment",
                            namespace: "tigera-operator",
                            name: "tigera-operator",
                            health: { status: "Progressing", message: "0 of 1 updated" },
                        },
                    ],
                    operationState: {
                        phase: "Failed",
                        syncResult: {
                            resources: [
                                {
                                    group: "apps",
                                    version: "v1",
                                    kind: "Deployment",
                                    namespace: "tigera-operator",
                                    name: "tigera-operator",
                                    status: "SyncFailed",
                                    hookPhase: "Failed",
                                    syncPhase: "Sync",
                                    message: "field is immutable",
                                },
                                {
                                    group: "batch",
                                    version: "v1",
                                    kind: "Job",
                                    namespace: "tigera-operator",
                                    name: "check",
                                    hookType: "PreSync",
                                    hookPhase: "Failed",
                                    syncPhase: "PreSync",
                                    message: "BackoffLimitExceeded",
                                },
                            ],
                        },
                    },
                },
            };
            assert.deepEqual(failingResources(w0).map(formatResource), [
                "Deployment tigera-operator/tigera-operator (wave 0): SyncFailed: field is immutable",
                "Job tigera-operator/check: hook Failed: BackoffLimitExceeded",
            ]);
            assert.deepEqual(unhealthyResources(w0).map(formatResource), [
                "Deployment tigera-operator/tigera-operator (wave 0): Progressing: 0 of 1 updated",
            ]);
        });

        it("unhealthyResources: health present and not Healthy, waves parsed from strings too", () => {
            assert.deepEqual(unhealthyResources(a).map(formatResource), [
                "Installation default (wave 2): Degraded: calico-node not ready",
                "BGPPeer tor-a (wave 3): Missing",
            ]);
        });

        it("operationInitiator reads the running operation, else the last one", () => {
            assert.deepEqual(
                operationInitiator({ operation: { initiatedBy: { automated: true } } }),
                { username: "", automated: true },
            );
            assert.deepEqual(
                operationInitiator({
                    status: {
                        operationState: { operation: { initiatedBy: { username: "alice" } } },
                    },
                }),
                { username: "alice", automated: false },
            );
            assert.equal(operationInitiator({}), undefined);
        });
    });
});
