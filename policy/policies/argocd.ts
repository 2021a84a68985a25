// Argo CD policies: cluster Secrets never skip TLS verification; cluster-config Applications heal
// themselves, retry with backoff, cascade-delete through the resources finalizer, and target a
// cluster registered in this stack.
import {
    PolicyConfigSchema,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { ARGOCD_RESOURCES_FINALIZER, types } from "../../components/constants";
import { readConfig } from "../lib/config";
import { parseDurationSeconds } from "../lib/duration";
import { Props, isArgoClusterSecret, namespacedName, secretValue } from "../lib/k8s";
import { readKnown, unknownAtPreview } from "../lib/known";

/**
 * Argo CD cluster Secrets: `config.tlsClientConfig.insecure` is never true and the server is https.
 * The `config` JSON usually embeds values computed on `up` (bearer token, CA), so during a first
 * preview it is unknown: the policy then reports the runtime's advisory "can't run during
 * preview" and enforces on `up`, before the Secret is created.
 */
export const argocdClusterSecretTls: ResourceValidationPolicy = {
    name: "argocd-cluster-secret-tls",
    description: "Argo CD cluster Secrets must verify the workload API server's TLS certificate.",
    severity: "critical",
    validateResource: (args, report) => {
        if (args.type !== types.Secret || !isArgoClusterSecret(args.props)) {
            return;
        }
        const what = `Argo CD cluster Secret ${namespacedName(args.props)}`;
        const server = readKnown(() => secretValue(args.props, "server"));
        if (!server.known) {
            report(`${what}: ${unknownAtPreview("the server URL", server.path)}`);
        } else if (!server.value?.startsWith("https://")) {
            report(`${what}: server must be an https:// URL.`);
        }
        // May throw UnknownValueError on preview; see above.
        const raw = secretValue(args.props, "config");
        if (raw === undefined) {
            report(`${what}: has no config; Argo CD needs tlsClientConfig and credentials.`);
            return;
        }
        let config: { tlsClientConfig?: { insecure?: unknown } };
        try {
            config = JSON.parse(raw);
        } catch {
            // Never echo the content: it holds credentials.
            report(`${what}: config is not valid JSON.`);
            return;
        }
        if (config?.tlsClientConfig?.insecure === true) {
            report(
                `${what}: config.tlsClientConfig.insecure is true; TLS verification must stay on. ` +
                    `Set tlsClientConfig.caData to the workload cluster's CA instead.`,
            );
        }
    },
};

export interface ArgocdClusterConfigAppConfig {
    readonly minRetryLimit: number;
    readonly maxBackoffSeconds: number;
}

const appName = "argocd-cluster-config-app";

const appSchema: PolicyConfigSchema = {
    properties: {
        minRetryLimit: {
            type: "integer",
            minimum: 1,
            default: 3,
            description: "Fewest sync retries (syncPolicy.retry.limit).",
        },
        maxBackoffSeconds: {
            type: "integer",
            minimum: 1,
            default: 900,
            description: "Upper bound for retry.backoff.maxDuration, in seconds.",
        },
    },
};

/** Everything the Application policy reads, so that unknowns surface in one place. */
function readApp(p: Props) {
    const sp = p.spec?.syncPolicy;
    const finalizers = p.metadata?.finalizers;
    return {
        finalizers: (Array.isArray(finalizers) ? finalizers.map(String) : []) as string[],
        automated: sp?.automated
            ? {
                  enabled: sp.automated.enabled as unknown,
                  selfHeal: sp.automated.selfHeal as unknown,
              }
            : undefined,
        retry: sp?.retry
            ? {
                  limit: sp.retry.limit as unknown,
                  duration: sp.retry.backoff?.duration as unknown,
                  factor: sp.retry.backoff?.factor as unknown,
                  maxDuration: sp.retry.backoff?.maxDuration as unknown,
              }
            : undefined,
    };
}

type AppRetry = NonNullable<ReturnType<typeof readApp>["retry"]>;

/** What is wrong with a retry: too few attempts, or a backoff that is not exponential and capped. */
function retryProblems(retry: AppRetry, cfg: ArgocdClusterConfigAppConfig): string[] {
    const out: string[] = [];
    if (!Number.isInteger(retry.limit) || (retry.limit as number) < cfg.minRetryLimit) {
        out.push(
            `spec.syncPolicy.retry.limit must be an integer >= ${cfg.minRetryLimit}, ` +
                `got ${JSON.stringify(retry.limit)}.`,
        );
    }
    const duration = parseDurationSeconds(retry.duration);
    const max = parseDurationSeconds(retry.maxDuration);
    if (duration === undefined || duration <= 0) {
        out.push(`spec.syncPolicy.retry.backoff.duration must be a positive duration like "10s".`);
    }
    if (!Number.isInteger(retry.factor) || (retry.factor as number) < 2) {
        out.push(
            `spec.syncPolicy.retry.backoff.factor must be an integer >= 2 (exponential backoff).`,
        );
    }
    if (
        max === undefined ||
        (duration !== undefined && max < duration) ||
        max > cfg.maxBackoffSeconds
    ) {
        out.push(
            `spec.syncPolicy.retry.backoff.maxDuration must be a duration between ` +
                `backoff.duration and ${cfg.maxBackoffSeconds}s.`,
        );
    }
    return out;
}

/** Applies to every Application in the stack: the program creates only cluster-config ones. */
export const argocdClusterConfigApp: ResourceValidationPolicy = {
    name: appName,
    description:
        "cluster-config Applications sync automatically with selfHeal, retry with backoff and carry the resources finalizer.",
    severity: "high",
    configSchema: appSchema,
    validateResource: (args, report) => {
        if (args.type !== types.Application) {
            return;
        }
        const cfg = readConfig<ArgocdClusterConfigAppConfig>(appName, appSchema, args.getConfig());
        const what = `Application ${namespacedName(args.props)}`;
        const app = readKnown(() => readApp(args.props));
        if (!app.known) {
            report(`${what}: ${unknownAtPreview("its finalizers and syncPolicy", app.path)}`);
            return;
        }
        const { finalizers, automated, retry } = app.value;
        if (!finalizers.includes(ARGOCD_RESOURCES_FINALIZER)) {
            report(
                `${what}: metadata.finalizers must include ${ARGOCD_RESOURCES_FINALIZER}, or ` +
                    `deleting the Application leaves its resources behind.`,
            );
        }
        if (!automated || automated.enabled === false || automated.selfHeal !== true) {
            report(
                `${what}: spec.syncPolicy.automated must be enabled with selfHeal: true so that ` +
                    `drift on the workload cluster is reverted.`,
            );
        }
        if (!retry) {
            report(`${what}: spec.syncPolicy.retry must be set (limit and backoff).`);
            return;
        }
        for (const problem of retryProblems(retry, cfg)) report(`${what}: ${problem}`);
    },
};

interface RegisteredCluster {
    readonly name?: string;
    readonly server?: string;
}

function registeredClusters(
    resources: readonly PolicyResource[],
    report: (m: string, urn?: string) => void,
): RegisteredCluster[] {
    const out: RegisteredCluster[] = [];
    for (const r of resources.filter((r) => r.type === types.Secret)) {
        const isCluster = readKnown(() => isArgoClusterSecret(r.props));
        if (!isCluster.known || !isCluster.value) {
            continue;
        }
        const c = readKnown(() => ({
            name: secretValue(r.props, "name"),
            server: secretValue(r.props, "server"),
        }));
        if (!c.known) {
            report(
                `Argo CD cluster Secret ${namespacedName(r.props)}: ` +
                    unknownAtPreview("its name and server", c.path),
                r.urn,
            );
            continue;
        }
        out.push(c.value);
    }
    return out;
}

export const argocdAppDestinationRegistered: StackValidationPolicy = {
    name: "argocd-app-destination-registered",
    description:
        "Every Application targets, by name or by server (never both), a cluster whose Argo CD cluster Secret is in this stack.",
    severity: "high",
    validateStack: (args, report) => {
        const clusters = registeredClusters(args.resources, report);
        for (const app of args.resources.filter((r) => r.type === types.Application)) {
            const what = `Application ${namespacedName(app.props)}`;
            const dest = readKnown(() => ({
                name: app.props.spec?.destination?.name as unknown,
                server: app.props.spec?.destination?.server as unknown,
            }));
            if (!dest.known) {
                report(`${what}: ${unknownAtPreview("spec.destination", dest.path)}`, app.urn);
                continue;
            }
            const { name, server } = dest.value;
            if ((name === undefined) === (server === undefined)) {
                report(
                    `${what}: spec.destination must set exactly one of name and server.`,
                    app.urn,
                );
                continue;
            }
            const match =
                name !== undefined
                    ? clusters.some((c) => c.name === name)
                    : clusters.some((c) => c.server === server);
            if (!match) {
                report(
                    `${what}: spec.destination ${name !== undefined ? `name ${JSON.stringify(name)}` : `server ${JSON.stringify(server)}`} ` +
                        `is not a cluster registered by an Argo CD cluster Secret in this stack.`,
                    app.urn,
                );
            }
        }
    },
};

export const argocdPolicies = [
    argocdClusterSecretTls,
    argocdClusterConfigApp,
    argocdAppDestinationRegistered,
];
