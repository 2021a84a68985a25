import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import {
    CPI_CREDENTIALS_SECRET_NAME,
    buildCpiCredentialsSecret,
    renderVsphereConf,
} from "../../components/argocd/clusterConfigApp";
import { samplePlan, sampleRegion } from "../support/sampleRegion";

function value<T>(o: pulumi.Input<T> | undefined): Promise<T> {
    return (pulumi.output(o) as unknown as { promise(): Promise<T> }).promise();
}

describe("vSphere CPI credentials Secret (workload cluster, never in git)", () => {
    const server = sampleRegion().vsphere.server;

    it("has the name, namespace and keys vsphere.conf points the CPI at", async () => {
        const s = buildCpiCredentialsSecret({
            server,
            username: "svc-capv@vsphere.local",
            password: pulumi.secret("s3cr3t-pw"),
        });
        const conf = yaml.load(renderVsphereConf(sampleRegion(), samplePlan("c1"))) as {
            global: { secretName: string; secretNamespace: string };
        };
        assert.deepEqual(s.metadata, {
            name: CPI_CREDENTIALS_SECRET_NAME,
            namespace: "kube-system",
            labels: {
                "app.kubernetes.io/managed-by": "pulumi",
                "app.kubernetes.io/name": "vsphere-cpi",
            },
        });
        assert.equal(conf.global.secretName, CPI_CREDENTIALS_SECRET_NAME);
        assert.equal(conf.global.secretNamespace, "kube-system");
        assert.equal(s.type, "Opaque");
        assert.equal(await pulumi.isSecret(pulumi.output(s.stringData)), true);
        assert.deepEqual(await value(s.stringData), {
            "vcenter.eu1.example.net.password": "s3cr3t-pw",
            "vcenter.eu1.example.net.username": "svc-capv@vsphere.local",
        });
    });

    it("is secret even with a plain password, and rejects an empty one without echoing", async () => {
        const s = buildCpiCredentialsSecret({ server, username: "u", password: "plain" });
        assert.equal(await pulumi.isSecret(pulumi.output(s.stringData)), true);
        await assert.rejects(
            value(buildCpiCredentialsSecret({ server, username: "u", password: "" }).stringData),
            /CPI credentials for vcenter\.eu1\.example\.net: the vCenter password is empty/,
        );
        assert.throws(
            () => buildCpiCredentialsSecret({ server: "bad host/x", username: "u", password: "p" }),
            /vsphere\.server: "bad host\/x" must be a host name or IP address/,
        );
    });

    it("cluster-config/ in git holds no credentials Secret", () => {
        const root = path.resolve(__dirname, "..", "..", "cluster-config");
        const files = fs.readdirSync(root, { recursive: true, encoding: "utf8" });
        for (const f of files.filter((x) => x.endsWith(".yaml"))) {
            const text = fs.readFileSync(path.join(root, f), "utf8");
            assert.ok(!/^kind:\s*Secret\s*$/m.test(text), `${f} contains a Secret`);
            assert.ok(!/password/i.test(text), `${f} mentions a password`);
        }
    });
});
