// A throwaway copy of the Pulumi program for one e2e run, so nothing tracked is modified: its own
// file backend, a generated passphrase, the lab stack with test secrets and the Argo CD sync
// pointed at the fake Argo CD, and a `lab-strict` stack (the lab region as prod with one
// control-plane node) checked against prod's policy levels.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PROJECT } from "../../../components/constants";
import { run, tail } from "./process";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const COPIED = [
    "Pulumi.yaml",
    "Pulumi.lab.yaml",
    "index.ts",
    "package.json",
    "tsconfig.json",
    "components",
    "cluster-config",
    "policy",
];

export interface LabProject {
    /** Temp root: work/, state/, logs/, out/. */
    readonly root: string;
    readonly workDir: string;
    readonly logDir: string;
    readonly outDir: string;
    readonly stateDir: string;
    /** Environment for the driver and the CLI: lab PATH/PULUMI_HOME plus backend and passphrase. */
    readonly env: NodeJS.ProcessEnv;
    /** Every secret value the run puts into config, for the plaintext scan. */
    readonly secrets: Readonly<Record<string, string>>;
}

/** The Argo CD the copy's `argocd.manageSync` talks to (the e2e's fake). */
export interface LabArgoCd {
    readonly url: string;
    readonly caPem: string;
    /** JWT-shaped; set as the secret `argocdToken`. */
    readonly token: string;
}

const rand = () => randomBytes(12).toString("hex");

/** The lab stack with the Argo CD sync on, against `argocd` (TLS verified with its CA). */
export function managedSyncStackFile(labStackYaml: string, argocd: LabArgoCd): string {
    const doc = yaml.load(labStackYaml) as { config: Record<string, unknown> };
    const key = `${PROJECT}:argocd`;
    doc.config[key] = {
        ...(doc.config[key] as Record<string, unknown>),
        manageSync: true,
        url: argocd.url,
        caCert: argocd.caPem,
    };
    return yaml.dump(doc);
}

/** The lab stack turned into the bad config: prod, and a single control-plane node. */
export function strictStackFile(labStackYaml: string): string {
    const doc = yaml.load(labStackYaml) as { config: Record<string, unknown> };
    const clusters = doc.config[`${PROJECT}:clusters`] as { controlPlane: { replicas: number } }[];
    doc.config[`${PROJECT}:environment`] = "prod";
    for (const c of clusters) {
        c.controlPlane.replicas = 1;
    }
    return yaml.dump(doc);
}

export interface ProjectOptions {
    /** Write the file backend's state gzipped (PULUMI_DIY_BACKEND_GZIP), as a team may. */
    readonly gzipState?: boolean;
    /** Another backend than the project's own file:// directory, with the variables it needs. */
    readonly backend?: { readonly url: string; readonly env: NodeJS.ProcessEnv };
    /** Stacks to create; default lab and lab-strict. */
    readonly stacks?: readonly string[];
    /** More stack files (`Pulumi.<name>.yaml` text by name), with lab's policy config each. */
    readonly stackFiles?: Readonly<Record<string, string>>;
}

/** The lab stack as another region: its own region name, CAPI namespace and cluster name. */
export function regionStackFile(
    labStackYaml: string,
    region: string,
    namespace: string,
    cluster: string,
): string {
    const doc = yaml.load(labStackYaml) as { config: Record<string, unknown> };
    doc.config[`${PROJECT}:region`] = region;
    const mgmt = doc.config[`${PROJECT}:management`] as Record<string, unknown>;
    doc.config[`${PROJECT}:management`] = { ...mgmt, namespace };
    const clusters = doc.config[`${PROJECT}:clusters`] as { name: string }[];
    doc.config[`${PROJECT}:clusters`] = clusters.map((c) => ({ ...c, name: cluster }));
    return yaml.dump(doc);
}

export async function prepareProject(
    managementKubeconfig: string,
    pulumiBin: string,
    /** Without it the copy keeps `manageSync: false` (no Argo CD API) and a random token. */
    argocd?: LabArgoCd,
    options: ProjectOptions = {},
): Promise<LabProject> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-fleet-e2e-"));
    const workDir = path.join(root, "work");
    const logDir = path.join(root, "logs");
    const outDir = path.join(root, "out");
    const stateDir = path.join(root, "state");
    for (const d of [workDir, logDir, outDir, stateDir]) {
        fs.mkdirSync(d, { recursive: true });
    }
    for (const f of COPIED) {
        fs.cpSync(path.join(REPO_ROOT, f), path.join(workDir, f), {
            recursive: true,
            filter: (src) => !src.includes(`${path.sep}node_modules`),
        });
    }
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(workDir, "node_modules"));
    if (argocd) {
        const labStack = path.join(workDir, "Pulumi.lab.yaml");
        fs.writeFileSync(labStack, managedSyncStackFile(fs.readFileSync(labStack, "utf8"), argocd));
    }
    fs.writeFileSync(
        path.join(workDir, "Pulumi.lab-strict.yaml"),
        strictStackFile(fs.readFileSync(path.join(workDir, "Pulumi.lab.yaml"), "utf8")),
    );
    fs.copyFileSync(
        path.join(workDir, "policy", "config", "prod.json"),
        path.join(workDir, "policy", "config", "lab-strict.json"),
    );

    for (const [name, text] of Object.entries(options.stackFiles ?? {})) {
        fs.writeFileSync(path.join(workDir, `Pulumi.${name}.yaml`), text);
        fs.copyFileSync(
            path.join(workDir, "policy", "config", "lab.json"),
            path.join(workDir, "policy", "config", `${name}.json`),
        );
    }

    const passphrase = rand();
    const secrets: Record<string, string> = {
        vspherePassword: `e2e-vsphere-password-${rand()}`,
        argocdToken: argocd?.token ?? `e2e-argocd-token-${rand()}`,
        passphrase,
    };
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...options.backend?.env,
        PULUMI_BACKEND_URL: options.backend?.url ?? `file://${stateDir}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        ...(options.gzipState ? { PULUMI_DIY_BACKEND_GZIP: "true" } : {}),
    };
    const pulumi = (args: string[], input?: string) =>
        run(pulumiBin, [...args, "--non-interactive"], {
            cwd: workDir,
            env,
            input,
            timeoutMs: 60_000,
            logFile: path.join(logDir, "stack-setup.log"),
        });
    const kubeconfig = fs.readFileSync(managementKubeconfig, "utf8");
    for (const stack of options.stacks ?? ["lab", "lab-strict"]) {
        const init = await pulumi(["stack", "init", stack]);
        if (init.code !== 0) {
            throw new Error(`pulumi stack init ${stack} failed:\n${tail(init)}`);
        }
        const values: [string, string][] = [
            ["managementKubeconfig", kubeconfig],
            ["vspherePassword", secrets.vspherePassword],
            ["argocdToken", secrets.argocdToken],
        ];
        for (const [key, value] of values) {
            // The value goes through stdin, never the command line.
            const r = await pulumi(
                ["config", "set", "--secret", "--stack", stack, `${PROJECT}:${key}`],
                value,
            );
            if (r.code !== 0) {
                throw new Error(`pulumi config set ${key} (${stack}) failed:\n${tail(r)}`);
            }
        }
    }
    return { root, workDir, logDir, outDir, stateDir, env, secrets };
}

/**
 * The end of a flow's work dir: removed when every step passed, else kept and named for diagnosis
 * (a failing before() leaves the steps without a state, so it is kept then too).
 */
export function finishProject(p: LabProject | undefined, suite: Mocha.Suite | undefined): void {
    if (!p) return;
    if (suite?.tests.every((t) => t.state === "passed")) {
        fs.rmSync(p.root, { recursive: true, force: true });
    } else {
        process.stderr.write(`      kept for diagnosis: ${p.root} (logs/, out/)\n`);
    }
}

/** A reader of the variables a lab script exports to its spec: a missing one says how to run it. */
export function labEnv(howToRun: string): (name: string) => string {
    return (name) => {
        const v = process.env[name];
        if (!v) throw new Error(`${name} is not set: run ${howToRun}`);
        return v;
    };
}
