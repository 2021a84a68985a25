// The lab's stand-in for Argo CD: the scripted fake of the unit tests (test/support/fakeArgoCd.ts)
// set up for one lab stack. Fresh CA; every cluster of the stack registered under its planned
// endpoint (https://<VIP>:6443, as ArgoRegistration registers it) with connection state
// Successful; its `<cluster>-cluster-config` Application OutOfSync until a sync, which then runs
// (one poll Running) and ends Succeeded, Synced, Healthy. Only the given JWT-shaped token is
// accepted. It is not Argo CD: nothing is deployed, the status is scripted.
//
// The e2e starts it in-process. By hand, beside a lab `pulumi up` (scripts/lab/README.md):
//   node -r ts-node/register/transpile-only test/e2e/support/fakeArgoCdServer.ts \
//     --stack-file Pulumi.lab.yaml --out /tmp/fake-argocd
// writes url, ca.pem and token (mode 0600) to --out, logs requests (no headers), runs until
// SIGINT/SIGTERM.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { clusterConfigApplicationName } from "../../../components/argocd/clusterConfigApp";
import { apiServerEndpoint } from "../../../components/capi/context";
import { parseRegionConfig } from "../../../components/config/parse";
import { projectConfigOfStackFile } from "../../../components/config/stackFile";
import { fakeJwt, startFakeArgoCd, type FakeArgoCd } from "../../support/fakeArgoCd";

/** One Application the fake serves, with the cluster it targets. */
export interface LabArgoCdApp {
    readonly cluster: string;
    /** The registered API server URL: the planned endpoint. */
    readonly server: string;
    readonly appName: string;
    readonly project: string;
    readonly namespace: string;
}

export interface LabArgoCdPlan {
    /** Argo CD account of the stack's token (`argocd.account`). */
    readonly account: string;
    readonly apps: readonly LabArgoCdApp[];
}

/** What the stack (a Pulumi.<stack>.yaml text) will ask Argo CD for, from its validated config. */
export function labArgoCdPlan(stackYaml: string): LabArgoCdPlan {
    const { config, plan } = parseRegionConfig(projectConfigOfStackFile(stackYaml));
    return {
        account: config.argocd.account,
        apps: plan.clusters.map((c) => ({
            cluster: c.cluster,
            server: apiServerEndpoint(c),
            appName: clusterConfigApplicationName(c.cluster),
            project: config.argocd.project,
            namespace: config.argocd.namespace,
        })),
    };
}

/** A fresh JWT-shaped token with a random signature, valid for a day. */
export function labArgoCdToken(account: string): string {
    const exp = Math.floor(Date.now() / 1000) + 86400;
    return fakeJwt(account, exp, randomBytes(24).toString("hex"));
}

/** Starts the fake on 127.0.0.1 (random port) serving the plan's clusters and Applications. */
export async function startLabArgoCd(plan: LabArgoCdPlan, token: string): Promise<FakeArgoCd> {
    const fake = await startFakeArgoCd({ account: plan.account, token });
    for (const a of plan.apps) {
        fake.addCluster(a.server, "Successful");
        // addApp's default script: OutOfSync/Missing; on sync Running, then Succeeded+Synced+Healthy.
        const fa = fake.addApp(a.appName, a.project, a.namespace);
        fa.app.spec = {
            ...fa.app.spec,
            destination: { ...fa.app.spec?.destination, server: a.server },
        };
    }
    return fake;
}

function arg(name: string): string {
    const i = process.argv.indexOf(name);
    const v = i >= 0 ? process.argv[i + 1] : undefined;
    if (!v) {
        throw new Error(
            `${name} is required (usage: see the header of ${path.basename(__filename)})`,
        );
    }
    return v;
}

async function main(): Promise<void> {
    const plan = labArgoCdPlan(fs.readFileSync(arg("--stack-file"), "utf8"));
    const out = arg("--out");
    const token = labArgoCdToken(plan.account);
    const fake = await startLabArgoCd(plan, token);
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "url"), `${fake.url}\n`);
    fs.writeFileSync(path.join(out, "ca.pem"), fake.caPem);
    fs.writeFileSync(path.join(out, "token"), token, { mode: 0o600 });
    process.stdout.write(
        `fake Argo CD at ${fake.url} for ${plan.apps.map((a) => `${a.appName} -> ${a.server}`).join(", ")}; ` +
            `url, ca.pem and token in ${out}\n`,
    );
    let logged = 0;
    const timer = setInterval(() => {
        for (const r of fake.requests.slice(logged)) {
            const q = r.query.toString();
            const ok = r.authorization === `Bearer ${token}` ? "" : " (rejected: bad token)";
            process.stdout.write(`${r.method} ${r.path}${q ? `?${q}` : ""}${ok}\n`);
        }
        logged = fake.requests.length;
    }, 200);
    const stop = () => {
        clearInterval(timer);
        void fake.close().then(() => process.exit(0));
    };
    process.on("SIGINT", stop).on("SIGTERM", stop);
}

if (require.main === module) {
    main().catch((e: unknown) => {
        process.stderr.write(`fake Argo CD: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    });
}
