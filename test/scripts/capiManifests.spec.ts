import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dump, loadAll } from "js-yaml";
import { KubeDoc, labManifests } from "../../scripts/lab/capiManifests";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBlab\n-----END CERTIFICATE-----\n";
const EP = { port: 29443, caPem: CA };
const CA_B64 = Buffer.from(CA).toString("base64");
const INJECT = { "cert-manager.io/inject-ca-from": "capi-system/capi-serving-cert" };

const service = (path?: string) => ({
    service: { name: "capi-webhook-service", namespace: "capi-system", ...(path ? { path } : {}) },
});

/** A provider's rendered config/default, shaped as CAPI v1.14 ships it. */
function rendered(): KubeDoc[] {
    return [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "capi-system" } },
        {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "clusters.cluster.x-k8s.io", annotations: { ...INJECT } },
            spec: {
                group: "cluster.x-k8s.io",
                conversion: {
                    strategy: "Webhook",
                    webhook: {
                        clientConfig: service("/convert"),
                        conversionReviewVersions: ["v1"],
                    },
                },
            },
        },
        {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "plain.example.io" },
            spec: { group: "example.io" },
        },
        {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingWebhookConfiguration",
            metadata: { name: "capi-validating-webhook-configuration", annotations: { ...INJECT } },
            webhooks: [
                {
                    name: "validation.cluster.cluster.x-k8s.io",
                    clientConfig: service("/validate-cluster-x-k8s-io-v1beta2-cluster"),
                    failurePolicy: "Fail",
                    rules: [{ apiGroups: ["cluster.x-k8s.io"], operations: ["CREATE"] }],
                },
            ],
        },
        {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "MutatingWebhookConfiguration",
            metadata: { name: "capi-mutating-webhook-configuration", annotations: { ...INJECT } },
            webhooks: [
                {
                    name: "default.cluster.cluster.x-k8s.io",
                    clientConfig: service("/mutate-cluster-x-k8s-io-v1beta2-cluster"),
                },
            ],
        },
        {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "capi-manager", namespace: "capi-system" },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "capi-controller-manager", namespace: "capi-system" },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "capi-webhook-service", namespace: "capi-system" },
        },
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "capi-serving-cert", namespace: "capi-system" },
        },
        {
            apiVersion: "cert-manager.io/v1",
            kind: "Issuer",
            metadata: { name: "capi-selfsigned-issuer", namespace: "capi-system" },
        },
        {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "capv-manager-bootstrap-credentials", namespace: "capv-system" },
            stringData: { "credentials.yaml": "password: '${VSPHERE_PASSWORD}'" },
        },
    ];
}

const find = (docs: KubeDoc[], kind: string, name?: string) =>
    docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));

describe("lab CAPI manifests (scripts/lab/capiManifests)", () => {
    it("points every webhook at the local process with the lab CA, as the CA injector would", () => {
        const { docs, webhooks } = labManifests(rendered(), EP);
        assert.equal(webhooks, 3);
        const vwc = find(docs, "ValidatingWebhookConfiguration");
        assert.deepEqual(vwc?.webhooks[0].clientConfig, {
            url: "https://127.0.0.1:29443/validate-cluster-x-k8s-io-v1beta2-cluster",
            caBundle: CA_B64,
        });
        assert.equal(vwc?.webhooks[0].failurePolicy, "Fail", "the rules stay as shipped");
        assert.equal(vwc?.metadata.annotations, undefined, "inject-ca-from is removed");
        const mwc = find(docs, "MutatingWebhookConfiguration");
        assert.equal(
            mwc?.webhooks[0].clientConfig.url,
            "https://127.0.0.1:29443/mutate-cluster-x-k8s-io-v1beta2-cluster",
        );
    });

    it("points CRD conversion webhooks at the local process and leaves other CRDs alone", () => {
        const { docs } = labManifests(rendered(), EP);
        const crd = find(docs, "CustomResourceDefinition", "clusters.cluster.x-k8s.io");
        assert.deepEqual(crd?.spec.conversion.webhook, {
            clientConfig: { url: "https://127.0.0.1:29443/convert", caBundle: CA_B64 },
            conversionReviewVersions: ["v1"],
        });
        assert.deepEqual(find(docs, "CustomResourceDefinition", "plain.example.io"), rendered()[2]);
    });

    it("leaves out the Deployment, Services, cert-manager objects and variable-holding Secrets", () => {
        const { docs, dropped } = labManifests(rendered(), EP);
        assert.deepEqual(docs.map((d) => d.kind).sort(), [
            "CustomResourceDefinition",
            "CustomResourceDefinition",
            "MutatingWebhookConfiguration",
            "Namespace",
            "ServiceAccount",
            "ValidatingWebhookConfiguration",
        ]);
        assert.equal(dropped.length, 5);
        assert.ok(dropped.includes("Secret capv-system/capv-manager-bootstrap-credentials"));
    });

    it("names the manager's ServiceAccount, and insists on exactly one", () => {
        assert.equal(labManifests(rendered(), EP).serviceAccount, "capi-system/capi-manager");
        const none = rendered().filter((d) => d.kind !== "ServiceAccount");
        assert.throws(() => labManifests(none, EP), /expected one ServiceAccount .* found 0/);
    });

    it("does not change its input", () => {
        const input = rendered();
        labManifests(input, EP);
        assert.deepEqual(input, rendered());
    });

    it("refuses objects it cannot place, naming them", () => {
        const leftover = [
            {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "x", namespace: "n" },
                data: { a: "${FOO:=1}" },
            },
        ];
        assert.throws(
            () => labManifests(leftover, EP),
            /ConfigMap n\/x still holds a clusterctl variable \(\$\{FOO:=1\}\)/,
        );
        const noTarget = [
            {
                apiVersion: "admissionregistration.k8s.io/v1",
                kind: "ValidatingWebhookConfiguration",
                metadata: { name: "v" },
                webhooks: [{ name: "w", clientConfig: {} }],
            },
        ];
        assert.throws(
            () => labManifests(noTarget, EP),
            /ValidatingWebhookConfiguration v w: clientConfig has neither service nor url/,
        );
        const sa = rendered()[5];
        assert.throws(() => labManifests([sa], { port: 0, caPem: CA }), /not a TCP port/);
        assert.throws(() => labManifests([sa], { port: 9443, caPem: "" }), /no PEM certificate/);
    });

    it("as a command: YAML in, the local manifests out, the ServiceAccount in a file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "capi-manifests-"));
        try {
            fs.writeFileSync(path.join(dir, "ca.crt"), CA);
            const out = execFileSync(
                process.execPath,
                [
                    "-r",
                    "ts-node/register/transpile-only",
                    path.join(__dirname, "..", "..", "scripts", "lab", "capiManifests.ts"),
                    "--port",
                    "29443",
                    "--ca-file",
                    path.join(dir, "ca.crt"),
                    "--service-account-out",
                    path.join(dir, "sa"),
                ],
                {
                    input: rendered()
                        .map((d) => `---\n${dump(d)}`)
                        .join(""),
                    stdio: ["pipe", "pipe", "pipe"],
                },
            ).toString();
            assert.deepEqual(loadAll(out), labManifests(rendered(), EP).docs);
            assert.equal(
                fs.readFileSync(path.join(dir, "sa"), "utf8"),
                "capi-system/capi-manager\n",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
