import * as assert from "node:assert/strict";
import { types } from "../../components/constants";
import { credentialsAsSecrets } from "../policies/secrets";
import { Outcome, messages, runResourcePolicy, unknown } from "../testing";
import { assertPasses, assertViolations } from "./assert";
import {
    application,
    argoClusterSecret,
    c1,
    controlPlane,
    ipPool,
    vcenterSecret,
    vsphereCluster,
    withProps,
} from "./fixtures";

const noSecrets = (o: Outcome) =>
    assert.ok(
        !messages(o).some((m) => /not-a-real|BEGIN RSA|hunter2/.test(m)),
        "a violation message leaks a credential value",
    );

describe("policy credentials-as-secrets", () => {
    it("passes the vCenter and Argo CD Secrets as k8s.core.v1.Secret registers them", async () => {
        assertPasses(await runResourcePolicy(credentialsAsSecrets, vcenterSecret(c1)));
        assertPasses(await runResourcePolicy(credentialsAsSecrets, argoClusterSecret(c1)));
    });

    it("rejects Secrets whose payload is not a secret output", async () => {
        const plain = { ...vcenterSecret(c1), opts: { additionalSecretOutputs: [] } };
        const o = await runResourcePolicy(credentialsAsSecrets, plain);
        assertViolations(
            o,
            /Secret capi-clusters\/c1-vsphere-credentials: stringData must be secret outputs/,
        );
        noSecrets(o);
        const partial = withProps(argoClusterSecret(c1), (p) => (p.data = { extra: "eA==" }), {
            additionalSecretOutputs: ["stringData"],
        });
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, partial),
            /: data must be secret outputs/,
        );
    });

    it("counts a payload that is unknown on preview as present", async () => {
        const pending = withProps(argoClusterSecret(c1), (p) => (p.stringData = unknown.object), {
            additionalSecretOutputs: [],
        });
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, pending),
            /stringData must be secret outputs/,
        );
        const ok = withProps(argoClusterSecret(c1), (p) => (p.stringData = unknown.object));
        assertPasses(await runResourcePolicy(credentialsAsSecrets, ok));
    });

    it("rejects credentials in a Secret's labels or annotations", async () => {
        const r = withProps(
            vcenterSecret(c1),
            (p) => (p.metadata.annotations = { token: "hunter2" }),
        );
        const o = await runResourcePolicy(credentialsAsSecrets, r);
        assertViolations(o, /\.metadata\.annotations\.token holds a credential/);
        noSecrets(o);
    });

    it("rejects credentials in CRs and Applications, naming only the path", async () => {
        const kcp = withProps(controlPlane(c1), (p) => {
            p.spec.kubeadmConfigSpec.joinConfiguration = {
                discovery: { bootstrapToken: { token: "hunter2" } },
            };
        });
        let o = await runResourcePolicy(credentialsAsSecrets, kcp);
        assertViolations(
            o,
            /\.spec\.kubeadmConfigSpec\.joinConfiguration\.discovery\.bootstrapToken\.token holds a credential/,
        );
        noSecrets(o);
        const pem = withProps(controlPlane(c1), (p) =>
            p.spec.kubeadmConfigSpec.files.push({
                path: "/etc/key.pem",
                content: "-----BEGIN RSA PRIVATE KEY-----\nMII...",
            }),
        );
        o = await runResourcePolicy(credentialsAsSecrets, pem);
        assertViolations(o, /\.spec\.kubeadmConfigSpec\.files\[1\]\.content holds a credential/);
        noSecrets(o);
        const app = withProps(application(c1), (p) => {
            p.spec.source = { helm: { valuesObject: { bgp: { password: "hunter2" } } } };
        });
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, app),
            /\.spec\.source\.helm\.valuesObject\.bgp\.password/,
        );
    });

    it("rejects the Argo CD token as a dynamic-resource input (it belongs in secret config)", async () => {
        const sync = {
            type: types.ArgoCdAppSync,
            name: "c1-sync",
            props: {
                __provider: "exports.handler = ...",
                application: "c1-cluster-config",
                bearerToken: "not-a-real-token",
            },
        };
        const o = await runResourcePolicy(credentialsAsSecrets, sync);
        assertViolations(o, /ArgoCdAppSync c1-sync: \.bearerToken holds a credential/);
        noSecrets(o);
        const clean = {
            ...sync,
            props: { __provider: "token: 1", application: "c1-cluster-config" },
        };
        assertPasses(await runResourcePolicy(credentialsAsSecrets, clean));
    });

    it("requires ApiServerReady to declare its kubeconfig output secret", async () => {
        const ready = {
            type: types.ApiServerReady,
            name: "c1-ready",
            props: {
                clusterName: "c1",
                namespace: "capi-clusters",
                managementKubeconfig: "apiVersion: v1",
            },
            opts: {
                additionalSecretOutputs: ["kubeconfig", "managementKubeconfig"],
            },
        };
        assertPasses(await runResourcePolicy(credentialsAsSecrets, ready));
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, {
                ...ready,
                opts: { additionalSecretOutputs: ["managementKubeconfig"] },
            }),
            /ApiServerReady c1-ready: outputs kubeconfig carry credentials/,
        );
    });

    it("ignores empty values, public keys and provider resources", async () => {
        const kcp = withProps(controlPlane(c1), (p) => {
            p.spec.kubeadmConfigSpec.users = [
                { name: "capv", sshAuthorizedKeys: ["ssh-ed25519 AAAA"] },
            ];
            p.spec.kubeadmConfigSpec.password = "";
        });
        assertPasses(await runResourcePolicy(credentialsAsSecrets, kcp));
        const provider = {
            type: types.KubernetesProvider,
            name: "mgmt",
            props: { kubeconfig: "apiVersion: v1" },
        };
        assertPasses(await runResourcePolicy(credentialsAsSecrets, provider));
    });

    it("skips unknown values on preview and still reports known credentials", async () => {
        const r = withProps(application(c1), (p) => {
            p.spec.source = {
                helm: { valuesObject: { token: unknown.string, password: "hunter2" } },
            };
            p.metadata.labels = unknown.object;
            p.spec.syncPolicy.syncOptions = [unknown.string, "ServerSideApply=true"];
        });
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, r),
            /valuesObject\.password/,
        );
    });

    it("requires VSphereClusters to name their credentials Secret", async () => {
        assertPasses(await runResourcePolicy(credentialsAsSecrets, vsphereCluster(c1)));
        const identity = withProps(
            vsphereCluster(c1),
            (p) => (p.spec.identityRef = { kind: "VSphereClusterIdentity", name: "shared" }),
        );
        assertPasses(await runResourcePolicy(credentialsAsSecrets, identity));
        const none = withProps(vsphereCluster(c1), (p) => delete p.spec.identityRef);
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, none),
            /spec\.identityRef must name the Secret/,
        );
        const unk = withProps(
            vsphereCluster(c1),
            (p) => (p.spec.identityRef.name = unknown.string),
        );
        assertViolations(
            await runResourcePolicy(credentialsAsSecrets, unk),
            /spec\.identityRef .* is not known at preview/,
        );
    });

    it("has nothing to say about plain objects without credentials", async () => {
        assertPasses(await runResourcePolicy(credentialsAsSecrets, ipPool(c1)));
    });
});
