// A Cluster API provider's own manifests (its config/default rendered by kustomize), made fit for a
// manager that runs as a local process of the lab instead of a Deployment behind a Service:
//   - dropped: the Deployment and Services (the process is started by scripts/lab/capi.sh), the
//     cert-manager Issuer and Certificate (the lab's PKI issues the webhook serving certificate),
//     and Secrets that still hold clusterctl variables (CAPV's bootstrap credentials: the lab's
//     clusters name their credentials through identityRef);
//   - webhooks and CRD conversion webhooks call https://127.0.0.1:<port><path> (clientConfig.url
//     instead of clientConfig.service), with the lab CA as caBundle, as cert-manager's CA injector
//     would have set it (its inject-ca-from annotation is removed: nothing else may rewrite it).
// CRDs, RBAC and the webhook rules themselves are kept as the provider ships them.
//
//   node -r ts-node/register/transpile-only scripts/lab/capiManifests.ts \
//       --port 9443 --ca-file ca.crt [--service-account-out FILE] < rendered.yaml > lab.yaml
import * as fs from "node:fs";
import { dump, loadAll } from "js-yaml";
import { flagReader } from "./cliFlags";

/** One Kubernetes object of a rendered manifest stream. */
export type KubeDoc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface WebhookEndpoint {
    /** Loopback port the manager serves its webhooks on (--webhook-port). */
    readonly port: number;
    /** PEM of the CA that issued the serving certificate. */
    readonly caPem: string;
}

export interface LabManifests {
    readonly docs: KubeDoc[];
    /** "Kind namespace/name" of every object left out, for the log. */
    readonly dropped: string[];
    /** Webhooks (and conversion webhooks) now pointing at the local process. */
    readonly webhooks: number;
    /** "namespace/name" of the manager's ServiceAccount: the identity its process runs as. */
    readonly serviceAccount: string;
}

const INJECT_CA = "cert-manager.io/inject-ca-from";
const CLUSTERCTL_VARIABLE = /\$\{[A-Za-z_][A-Za-z0-9_]*(:=[^}]*)?\}/;

const ref = (d: KubeDoc) =>
    `${String(d.kind)} ${d.metadata?.namespace ? `${d.metadata.namespace}/` : ""}${d.metadata?.name}`;

function dropped(d: KubeDoc): boolean {
    if (d.kind === "Deployment" || d.kind === "Service") return true;
    if (String(d.apiVersion).startsWith("cert-manager.io/")) return true;
    return d.kind === "Secret" && CLUSTERCTL_VARIABLE.test(JSON.stringify(d));
}

/** clientConfig.service → url on the loopback port, with the CA bundle. */
function localClientConfig(cc: KubeDoc | undefined, ep: WebhookEndpoint, where: string): KubeDoc {
    if (!cc?.service && !cc?.url) {
        throw new Error(`${where}: clientConfig has neither service nor url`);
    }
    const path = cc.service ? (cc.service.path ?? "/") : new URL(cc.url).pathname;
    return {
        url: `https://127.0.0.1:${ep.port}${path}`,
        caBundle: Buffer.from(ep.caPem, "utf8").toString("base64"),
    };
}

function withoutInjection(d: KubeDoc): KubeDoc {
    const annotations = { ...(d.metadata?.annotations ?? {}) };
    delete annotations[INJECT_CA];
    const metadata = { ...d.metadata, annotations };
    if (Object.keys(annotations).length === 0) delete metadata.annotations;
    return { ...d, metadata };
}

/** Webhook configurations and CRD conversion webhooks pointed at the lab's endpoint. */
function withLocalWebhooks(d: KubeDoc, ep: WebhookEndpoint): { doc: KubeDoc; webhooks: number } {
    if (d.kind === "ValidatingWebhookConfiguration" || d.kind === "MutatingWebhookConfiguration") {
        const o = withoutInjection(d);
        o.webhooks = (d.webhooks ?? []).map((w: KubeDoc) => ({
            ...w,
            clientConfig: localClientConfig(w.clientConfig, ep, `${ref(d)} ${w.name}`),
        }));
        return { doc: o, webhooks: o.webhooks.length };
    }
    if (d.kind !== "CustomResourceDefinition") return { doc: d, webhooks: 0 };
    const o = withoutInjection(d);
    const conv = d.spec?.conversion;
    if (conv?.strategy !== "Webhook") return { doc: o, webhooks: 0 };
    const clientConfig = localClientConfig(conv.webhook?.clientConfig, ep, ref(d));
    o.spec = { ...d.spec, conversion: { ...conv, webhook: { ...conv.webhook, clientConfig } } };
    return { doc: o, webhooks: 1 };
}

/** The provider's objects as the lab applies them; throws on anything it cannot place. */
export function labManifests(docs: readonly KubeDoc[], ep: WebhookEndpoint): LabManifests {
    if (!Number.isInteger(ep.port) || ep.port < 1 || ep.port > 65535) {
        throw new Error(`webhook port ${ep.port} is not a TCP port`);
    }
    if (!ep.caPem.includes("BEGIN CERTIFICATE")) {
        throw new Error("the CA file holds no PEM certificate");
    }
    const out: KubeDoc[] = [];
    const gone: string[] = [];
    let webhooks = 0;
    for (const d of docs) {
        if (!d || typeof d !== "object") continue;
        if (dropped(d)) {
            gone.push(ref(d));
            continue;
        }
        const local = withLocalWebhooks(d, ep);
        const o = local.doc;
        webhooks += local.webhooks;
        if (CLUSTERCTL_VARIABLE.test(JSON.stringify(o))) {
            throw new Error(
                `${ref(o)} still holds a clusterctl variable (${CLUSTERCTL_VARIABLE.exec(JSON.stringify(o))?.[0]})`,
            );
        }
        out.push(o);
    }
    const accounts = out.filter((d) => d.kind === "ServiceAccount");
    if (accounts.length !== 1) {
        throw new Error(`expected one ServiceAccount for the manager, found ${accounts.length}`);
    }
    const serviceAccount = `${accounts[0].metadata.namespace}/${accounts[0].metadata.name}`;
    return { docs: out, dropped: gone, webhooks, serviceAccount };
}

function main(argv: readonly string[]): void {
    const arg = flagReader("capiManifests", argv);
    const rendered = loadAll(fs.readFileSync(0, "utf8")) as KubeDoc[];
    const r = labManifests(rendered, {
        port: Number(arg("--port")),
        caPem: fs.readFileSync(arg("--ca-file"), "utf8"),
    });
    if (argv.includes("--service-account-out")) {
        fs.writeFileSync(arg("--service-account-out"), `${r.serviceAccount}\n`);
    }
    process.stdout.write(
        r.docs.map((d) => `---\n${dump(d, { lineWidth: -1, noRefs: true })}`).join(""),
    );
    process.stderr.write(
        `[capiManifests] ${r.docs.length} objects, ${r.webhooks} webhooks on 127.0.0.1; left out: ${r.dropped.join(", ")}\n`,
    );
}

if (require.main === module) {
    try {
        main(process.argv.slice(2));
    } catch (e) {
        process.stderr.write(`[capiManifests] ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    }
}
