import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "../../components/constants";
import {
    ARGOCD_MANAGER_NAME,
    ARGOCD_MANAGER_NAMESPACE,
    argoClusterConfig,
    argoClusterSecretName,
    buildArgoClusterSecret,
    buildArgocdManagerClusterRoleBinding,
    buildArgocdManagerServiceAccount,
    buildArgocdManagerTokenSecret,
    tokenSecretCredentials,
} from "../../components/argocd/clusterSecret";

// The internal promise of an Output: rejects when an apply throws (unlike `.apply(resolve)`).
function value<T>(o: pulumi.Input<T> | undefined): Promise<T> {
    return (pulumi.output(o) as unknown as { promise(): Promise<T> }).promise();
}

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfakeCAforTests\n-----END CERTIFICATE-----\n";
const CA = Buffer.from(PEM).toString("base64");
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcmdvY2QtbWFuYWdlciJ9.c2lnbmF0dXJl";

function args(over: Partial<Parameters<typeof buildArgoClusterSecret>[0]> = {}) {
    return {
        namespace: "argocd",
        region: "eu1",
        environment: "dev",
        cluster: "c1",
        server: "https://10.20.4.1:6443",
        caData: CA,
        bearerToken: pulumi.secret(TOKEN),
        extraLabels: { team: "platform" },
        ...over,
    };
}

describe("Argo CD cluster Secret builder", () => {
    it("metadata: name, namespace, secret-type and selector labels", () => {
        const s = buildArgoClusterSecret(args());
        assert.deepEqual(s.metadata, {
            name: "cluster-c1",
            namespace: "argocd",
            labels: {
                [labels.argocdSecretType]: "cluster",
                [labels.managedBy]: "pulumi",
                [labels.cluster]: "c1",
                [labels.environment]: "dev",
                [labels.region]: "eu1",
                team: "platform",
            },
        });
        assert.deepEqual(
            Object.keys((s.metadata as { labels: object }).labels),
            Object.keys((s.metadata as { labels: object }).labels).sort(),
            "labels in sorted order",
        );
        assert.equal(s.type, "Opaque");
        assert.equal(argoClusterSecretName("c1"), "cluster-c1");
    });

    it("name and server in stringData, config (bearer token + CA) in data: secret and deterministic", async () => {
        const s = buildArgoClusterSecret(args());
        const plain = (await value(s.stringData)) as Record<string, string>;
        assert.deepEqual(Object.keys(plain), ["name", "server"]);
        assert.equal(plain.name, "c1");
        assert.equal(plain.server, "https://10.20.4.1:6443");
        const data = s.data as Record<string, pulumi.Output<string>>;
        assert.deepEqual(Object.keys(data), ["config"]);
        assert.equal(await pulumi.isSecret(data.config), true);
        const config = Buffer.from(await value(data.config), "base64").toString("utf8");
        assert.equal(config, `{"bearerToken":"${TOKEN}","tlsClientConfig":{"caData":"${CA}"}}`);
        assert.ok(!/insecure/i.test(config), "TLS verification is never switched off");
    });

    it("config stays secret even when the token is passed as a plain string", async () => {
        const cfg = argoClusterConfig(CA, TOKEN);
        assert.equal(await pulumi.isSecret(cfg), true);
        const s = buildArgoClusterSecret(args({ bearerToken: TOKEN }));
        const data = s.data as Record<string, pulumi.Output<string>>;
        assert.equal(await pulumi.isSecret(data.config), true);
    });

    it("rejects a non-https or path-carrying server URL (plain: at once, Output: on resolve)", async () => {
        for (const server of [
            "http://10.20.4.1:6443",
            "https://10.20.4.1:6443/",
            "https://x/api",
            "10.20.4.1",
        ]) {
            const expected = /server: .* must be the API server URL "https:\/\/<host>:<port>"/;
            assert.throws(() => buildArgoClusterSecret(args({ server })), expected);
            const s = buildArgoClusterSecret(args({ server: pulumi.output(server) }));
            await assert.rejects(value(s.stringData), expected);
        }
    });

    it("keeps name and a plain server known (policies read them at preview); config secret", async () => {
        const s = buildArgoClusterSecret(args());
        const plain = s.stringData as Record<string, pulumi.Input<string>>;
        assert.equal(plain.name, "c1");
        assert.equal(plain.server, "https://10.20.4.1:6443");
        const data = s.data as Record<string, pulumi.Output<string>>;
        assert.equal(await pulumi.isSecret(data.config), true);
    });

    it("rejects bad CA or token without echoing the token", async () => {
        await assert.rejects(value(argoClusterConfig("not base64!", TOKEN)), (e: Error) => {
            assert.match(e.message, /caData: must be the cluster CA as base64 of PEM/);
            assert.ok(!e.message.includes(TOKEN));
            return true;
        });
        await assert.rejects(value(argoClusterConfig(CA, `${TOKEN} x`)), (e: Error) => {
            assert.match(e.message, /bearerToken: empty or contains whitespace/);
            assert.ok(!e.message.includes(TOKEN));
            return true;
        });
        await assert.rejects(value(argoClusterConfig(CA, "")), /bearerToken/);
    });

    it("rejects label overrides and invalid labels naming the field", () => {
        assert.throws(
            () => buildArgoClusterSecret(args({ extraLabels: { [labels.region]: "us1" } })),
            /clusters\[c1\]\.labels\["cluster-fleet\/region"\]: reserved label/,
        );
        assert.throws(
            () => buildArgoClusterSecret(args({ extraLabels: { team: "a b" } })),
            /clusters\[c1\]\.labels\["team"\]: "a b" is not a valid label value/,
        );
        assert.throws(
            () => buildArgoClusterSecret(args({ extraLabels: { "bad key!": "x" } })),
            /not a valid Kubernetes label key/,
        );
        assert.throws(() => buildArgoClusterSecret(args({ cluster: "C1" })), /cluster name: "C1"/);
    });
});

describe("workload-side argocd-manager identity (as `argocd cluster add`)", () => {
    it("ServiceAccount, cluster-admin binding and token Secret", () => {
        assert.deepEqual(buildArgocdManagerServiceAccount().metadata, {
            name: ARGOCD_MANAGER_NAME,
            namespace: ARGOCD_MANAGER_NAMESPACE,
            labels: { [labels.managedBy]: "pulumi" },
        });
        const crb = buildArgocdManagerClusterRoleBinding();
        assert.deepEqual(crb.roleRef, {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "cluster-admin",
        });
        assert.deepEqual(crb.subjects, [
            { kind: "ServiceAccount", name: "argocd-manager", namespace: "kube-system" },
        ]);
        const tok = buildArgocdManagerTokenSecret();
        assert.equal(tok.type, "kubernetes.io/service-account-token");
        assert.deepEqual(tok.metadata, {
            name: "argocd-manager-token",
            namespace: "kube-system",
            labels: { [labels.managedBy]: "pulumi" },
            annotations: { "kubernetes.io/service-account.name": "argocd-manager" },
        });
    });

    it("tokenSecretCredentials decodes the token, keeps the CA encoding, marks both secret", async () => {
        const data = {
            token: Buffer.from(TOKEN).toString("base64"),
            "ca.crt": CA,
            namespace: "a3ViZS1zeXN0ZW0=",
        };
        const { bearerToken, caData } = tokenSecretCredentials(pulumi.output(data));
        assert.equal(await value(bearerToken), TOKEN);
        assert.equal(await value(caData), CA);
        assert.equal(await pulumi.isSecret(bearerToken), true);
        assert.equal(await pulumi.isSecret(caData), true);
        // Feeds straight into the cluster Secret.
        const s = buildArgoClusterSecret(args({ bearerToken, caData }));
        const d = (await value(s.data)) as Record<string, string>;
        assert.equal(JSON.parse(Buffer.from(d.config, "base64").toString()).bearerToken, TOKEN);
    });

    it("tokenSecretCredentials fails clearly while the Secret is not populated", async () => {
        await assert.rejects(
            value(tokenSecretCredentials({ "ca.crt": CA }).bearerToken),
            /kube-system\/argocd-manager-token: data\.token or data\["ca\.crt"\] missing/,
        );
        await assert.rejects(value(tokenSecretCredentials(undefined).caData), /not populated/);
    });
});
