import * as assert from "node:assert/strict";
import { ARGOCD_RESOURCES_FINALIZER, labels } from "../../components/constants";
import {
    argocdAppDestinationRegistered,
    argocdClusterConfigApp,
    argocdClusterSecretTls,
} from "../policies/argocd";
import { messages, runResourcePolicy, runStackPolicy, unknown } from "../testing";
import { assertPasses, assertViolations } from "./assert";
import {
    application,
    argoClusterConfig,
    argoClusterSecret,
    c1,
    c2,
    vcenterSecret,
    withProps,
} from "./fixtures";

describe("policy argocd-cluster-secret-tls", () => {
    it("passes a cluster Secret that verifies TLS", async () => {
        assertPasses(await runResourcePolicy(argocdClusterSecretTls, argoClusterSecret(c1)));
    });

    it("rejects insecure: true without echoing the credentials", async () => {
        const o = await runResourcePolicy(
            argocdClusterSecretTls,
            argoClusterSecret(c1, argoClusterConfig({ insecure: true })),
        );
        assertViolations(o, /config\.tlsClientConfig\.insecure is true/);
        assert.ok(!messages(o).some((m) => m.includes("not-a-real-token")));
    });

    it("reads base64 data when stringData is absent (outputs after up)", async () => {
        const r = withProps(argoClusterSecret(c1), (p) => {
            p.data = Object.fromEntries(
                Object.entries(p.stringData as Record<string, string>).map(([k, v]) => [
                    k,
                    Buffer.from(v).toString("base64"),
                ]),
            );
            p.data.config = Buffer.from(argoClusterConfig({ insecure: true })).toString("base64");
            delete p.stringData;
        });
        assertViolations(await runResourcePolicy(argocdClusterSecretTls, r), /insecure is true/);
    });

    it("rejects plain http servers, missing and invalid config", async () => {
        const http = withProps(
            argoClusterSecret(c1),
            (p) => (p.stringData.server = "http://10.20.4.1:6443"),
        );
        assertViolations(await runResourcePolicy(argocdClusterSecretTls, http), /https:\/\/ URL/);
        const none = withProps(argoClusterSecret(c1), (p) => delete p.stringData.config);
        assertViolations(await runResourcePolicy(argocdClusterSecretTls, none), /has no config/);
        const bad = argoClusterSecret(c1, '{"bearerToken": "not-a-real-token"');
        const o = await runResourcePolicy(argocdClusterSecretTls, bad);
        assertViolations(o, /config is not valid JSON/);
        assert.ok(!messages(o).some((m) => m.includes("not-a-real-token")));
    });

    it("ignores Secrets that are not Argo CD cluster Secrets", async () => {
        assertPasses(await runResourcePolicy(argocdClusterSecretTls, vcenterSecret(c1)));
        const repo = withProps(
            argoClusterSecret(c1, argoClusterConfig({ insecure: true })),
            (p) => {
                p.metadata.labels[labels.argocdSecretType] = "repository";
            },
        );
        assertPasses(await runResourcePolicy(argocdClusterSecretTls, repo));
    });

    it("on preview, checks the known server and defers a computed config to up", async () => {
        // The config embeds the bearer token and CA computed on up: unknown on a first preview.
        const r = withProps(argoClusterSecret(c1), (p) => {
            p.stringData.config = unknown.string;
            p.stringData.server = "http://10.20.4.1:6443";
        });
        const o = await runResourcePolicy(argocdClusterSecretTls, r);
        assert.deepEqual(messages(o).length, 1);
        assert.match(messages(o)[0], /https:\/\/ URL/);
        assert.match(
            o.previewSkipped ?? "",
            /string value at \.stringData\.config can't be known during preview/,
        );
    });
});

describe("policy argocd-cluster-config-app", () => {
    const app = (edit: (p: Record<string, any>) => void) => withProps(application(c1), edit); // eslint-disable-line @typescript-eslint/no-explicit-any

    it("passes an Application with selfHeal, retry/backoff and the finalizer", async () => {
        assertPasses(await runResourcePolicy(argocdClusterConfigApp, application(c1)));
    });

    it("requires the resources finalizer", async () => {
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                app((p) => (p.metadata.finalizers = ["other"])),
            ),
            new RegExp(`must include ${ARGOCD_RESOURCES_FINALIZER.replace(/\./g, "\\.")}`),
        );
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                app((p) => delete p.metadata.finalizers),
            ),
            /finalizers must include/,
        );
    });

    it("requires automated sync with selfHeal", async () => {
        for (const edit of [
            (p: Record<string, any>) => delete p.spec.syncPolicy.automated, // eslint-disable-line @typescript-eslint/no-explicit-any
            (p: Record<string, any>) => (p.spec.syncPolicy.automated.selfHeal = false), // eslint-disable-line @typescript-eslint/no-explicit-any
            (p: Record<string, any>) => (p.spec.syncPolicy.automated.enabled = false), // eslint-disable-line @typescript-eslint/no-explicit-any
        ]) {
            assertViolations(
                await runResourcePolicy(argocdClusterConfigApp, app(edit)),
                /selfHeal: true/,
            );
        }
    });

    it("requires retry with exponential, bounded backoff", async () => {
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                app((p) => delete p.spec.syncPolicy.retry),
            ),
            /retry must be set/,
        );
        const retry = (r: unknown) => app((p) => (p.spec.syncPolicy.retry = r));
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                retry({ limit: 1, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } }),
            ),
            /retry\.limit must be an integer >= 3, got 1/,
        );
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                retry({ limit: 5, backoff: { duration: "soon", factor: 1, maxDuration: "1h" } }),
            ),
            /backoff\.duration must be a positive duration/,
            /factor must be an integer >= 2/,
            /maxDuration must be a duration between backoff\.duration and 900s/,
        );
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                retry({ limit: 5, backoff: { duration: "2m", factor: 2, maxDuration: "1m" } }),
            ),
            /maxDuration/,
        );
        assertPasses(
            await runResourcePolicy(
                argocdClusterConfigApp,
                retry({ limit: 5, backoff: { duration: "5", factor: 3, maxDuration: "1h" } }),
                { maxBackoffSeconds: 3600 },
            ),
        );
    });

    it("reports an unknown syncPolicy on preview, and ignores unrelated unknowns", async () => {
        assertViolations(
            await runResourcePolicy(
                argocdClusterConfigApp,
                app((p) => (p.spec.syncPolicy.retry.limit = unknown.number)),
            ),
            /finalizers and syncPolicy \(\.spec\.syncPolicy\.retry\.limit\) is not known at preview time/,
        );
        const r = app((p) => {
            p.spec.source = unknown.object;
            p.spec.destination = unknown.object;
            p.spec.syncPolicy.automated.selfHeal = false;
        });
        assertViolations(await runResourcePolicy(argocdClusterConfigApp, r), /selfHeal/);
    });
});

describe("policy argocd-app-destination-registered", () => {
    const registered = [
        argoClusterSecret(c1),
        argoClusterSecret(c2),
        application(c1),
        application(c2),
    ];

    it("passes Applications aimed at clusters registered in the stack, by name or server", async () => {
        assertPasses(await runStackPolicy(argocdAppDestinationRegistered, registered));
        const byServer = withProps(application(c1), (p) => {
            p.spec.destination = { server: `https://${c1.vip}:6443`, namespace: "tigera-operator" };
        });
        assertPasses(
            await runStackPolicy(argocdAppDestinationRegistered, [argoClusterSecret(c1), byServer]),
        );
    });

    it("rejects Applications aimed at an unregistered cluster", async () => {
        const o = await runStackPolicy(argocdAppDestinationRegistered, [
            argoClusterSecret(c1),
            application(c2),
        ]);
        assertViolations(
            o,
            /Application argocd\/c2-cluster-config: spec\.destination name "c2" is not a cluster registered/,
        );
        assert.match(o.violations[0].urn ?? "", /::c2-cluster-config$/);
        const inCluster = withProps(application(c1), (p) => {
            p.spec.destination = { server: "https://kubernetes.default.svc" };
        });
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [
                argoClusterSecret(c1),
                inCluster,
            ]),
            /server "https:\/\/kubernetes\.default\.svc" is not a cluster registered/,
        );
    });

    it("does not count Secrets without the cluster label", async () => {
        const notCluster = withProps(argoClusterSecret(c1), (p) => delete p.metadata.labels);
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [notCluster, application(c1)]),
            /not a cluster registered/,
        );
    });

    it("rejects a destination with both or neither of name and server", async () => {
        const both = withProps(
            application(c1),
            (p) => (p.spec.destination.server = `https://${c1.vip}:6443`),
        );
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [argoClusterSecret(c1), both]),
            /exactly one of name and server/,
        );
        const neither = withProps(
            application(c1),
            (p) => (p.spec.destination = { namespace: "x" }),
        );
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [argoClusterSecret(c1), neither]),
            /exactly one/,
        );
    });

    it("on preview, matches on known names while the computed config is unknown", async () => {
        const pending = withProps(
            argoClusterSecret(c1),
            (p) => (p.stringData.config = unknown.string),
        );
        assertPasses(
            await runStackPolicy(argocdAppDestinationRegistered, [pending, application(c1)]),
        );
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [pending, application(c2)]),
            /"c2" is not a cluster registered/,
        );
    });

    it("reports unknown destinations and cluster names on preview as violations", async () => {
        const app = withProps(application(c1), (p) => (p.spec.destination.name = unknown.string));
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [argoClusterSecret(c1), app]),
            /spec\.destination \(\.spec\.destination\.name\) is not known at preview time/,
        );
        const secret = withProps(
            argoClusterSecret(c1),
            (p) => (p.stringData.name = unknown.string),
        );
        assertViolations(
            await runStackPolicy(argocdAppDestinationRegistered, [secret, application(c1)]),
            /its name and server .* is not known/,
            /"c1" is not a cluster registered/,
        );
    });
});
