// Pure builders for registering a workload cluster in Argo CD the way `argocd cluster add` does:
// in the workload cluster a ServiceAccount `argocd-manager` (kube-system) bound to cluster-admin
// plus a long-lived service-account token Secret; in the management cluster an Argo CD cluster
// Secret holding that bearer token and the cluster CA. A token does not expire with CAPI's
// one-year admin client certificate. TLS is always verified: `insecure` is never written.
import * as pulumi from "@pulumi/pulumi";
import { stableStringify } from "../stableJson";
import type * as k8s from "@pulumi/kubernetes";
import { DNS1123_LABEL, LABEL_KEY, LABEL_VALUE } from "../config/checker";
import { labels } from "../constants";

/** Labels cluster-fleet sets on every Argo CD cluster Secret; clusters[].labels may not use them. */
export const RESERVED_CLUSTER_SECRET_LABELS: readonly string[] = [
    labels.argocdSecretType,
    labels.cluster,
    labels.environment,
    labels.managedBy,
    labels.region,
];

/** Namespace and name of the workload-side identity (same as `argocd cluster add`). */
export const ARGOCD_MANAGER_NAMESPACE = "kube-system";
export const ARGOCD_MANAGER_NAME = "argocd-manager";
export const ARGOCD_MANAGER_TOKEN_SECRET = "argocd-manager-token";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function assertLabel(field: string, value: string): string {
    if (!DNS1123_LABEL.test(value)) {
        throw new Error(`${field}: "${value}" must be a DNS-1123 label (lowercase, digits, '-')`);
    }
    return value;
}

/** The cluster's name in Argo CD (Secret `name`; Application destination.name). */
export function argoClusterName(cluster: string): string {
    return assertLabel("cluster name", cluster);
}

/** metadata.name of the Argo CD cluster Secret. */
export function argoClusterSecretName(cluster: string): string {
    return `cluster-${argoClusterName(cluster)}`;
}

/** Throws unless `server` is `https://<host>[:port]` with no path (Argo CD matches it verbatim). */
export function assertServerUrl(server: string): string {
    let url: URL | undefined;
    try {
        url = new URL(server);
    } catch {
        url = undefined;
    }
    if (!url || url.protocol !== "https:" || url.pathname !== "/" || server.endsWith("/")) {
        throw new Error(
            `server: "${server}" must be the API server URL "https://<host>:<port>" (https, no ` +
                `path or trailing slash), exactly as in the cluster's kubeconfig`,
        );
    }
    return server;
}

/**
 * The cluster Secret's `config` JSON: bearer token plus CA (base64 PEM, as in a kubeconfig's
 * certificate-authority-data). A secret Output; validated without echoing any value.
 */
export function argoClusterConfig(
    caData: pulumi.Input<string>,
    bearerToken: pulumi.Input<string>,
): pulumi.Output<string> {
    const config = pulumi.all([caData, bearerToken]).apply(([ca, token]) => {
        if (
            !ca ||
            !BASE64.test(ca) ||
            !Buffer.from(ca, "base64").toString().includes("-----BEGIN CERTIFICATE-----")
        ) {
            throw new Error(
                `caData: must be the cluster CA as base64 of PEM (a kubeconfig's ` +
                    `certificate-authority-data, or the token Secret's ca.crt)`,
            );
        }
        if (!token || /\s/.test(token)) {
            throw new Error(
                `bearerToken: empty or contains whitespace; pass the decoded service-account token`,
            );
        }
        return stableStringify({ bearerToken: token, tlsClientConfig: { caData: ca } });
    });
    return pulumi.secret(config);
}

export interface ArgoClusterSecretArgs {
    /** Argo CD's namespace in the management cluster. */
    readonly namespace: string;
    readonly region: string;
    readonly environment: string;
    readonly cluster: string;
    /** Workload API server URL, "https://<vip>:6443". */
    readonly server: pulumi.Input<string>;
    /** Cluster CA, base64 PEM. */
    readonly caData: pulumi.Input<string>;
    /** Service-account token (decoded); stays secret. */
    readonly bearerToken: pulumi.Input<string>;
    /** Extra labels for ApplicationSet cluster-generator selectors (ClusterConfig.labels). */
    readonly extraLabels?: Readonly<Record<string, string>>;
}

/** The Secret's labels, sorted: ours, plus the cluster's own labels, which may not replace ours. */
function clusterSecretLabels(args: ArgoClusterSecretArgs): Record<string, string> {
    const own: Record<string, string> = {
        [labels.argocdSecretType]: "cluster",
        [labels.cluster]: argoClusterName(args.cluster),
        [labels.environment]: args.environment,
        [labels.managedBy]: "pulumi",
        [labels.region]: args.region,
    };
    const extra = args.extraLabels ?? {};
    for (const [k, v] of Object.entries(extra)) {
        const field = `clusters[${args.cluster}].labels["${k}"]`;
        if (k in own) {
            throw new Error(
                `${field}: reserved label, set by cluster-fleet; remove it from labels`,
            );
        }
        if (!LABEL_KEY.test(k) || k.length > 316) {
            throw new Error(`${field}: not a valid Kubernetes label key`);
        }
        if (typeof v !== "string" || !LABEL_VALUE.test(v)) {
            throw new Error(
                `${field}: "${String(v)}" is not a valid label value (<= 63 characters: ` +
                    `alphanumerics, '-', '_', '.', starting and ending alphanumeric)`,
            );
        }
    }
    const merged = { ...extra, ...own };
    return Object.fromEntries(
        Object.keys(merged)
            .sort()
            .map((k) => [k, merged[k]]),
    );
}

/**
 * Args for the Argo CD cluster Secret (management cluster): label
 * `argocd.argoproj.io/secret-type: cluster`, region/environment/cluster labels for ApplicationSet
 * selectors, stringData `name`, `server` and a secret `config`.
 */
export function buildArgoClusterSecret(args: ArgoClusterSecretArgs): k8s.core.v1.SecretArgs {
    assertLabel("argocd.namespace", args.namespace);
    assertLabel("region", args.region);
    assertLabel("environment", args.environment);
    const sortedLabels = clusterSecretLabels(args);
    // name and a plain server stay known at preview (policies match Applications to clusters by
    // them); only config is secret. pulumi-kubernetes marks all of stringData secret anyway.
    const server =
        typeof args.server === "string"
            ? assertServerUrl(args.server)
            : pulumi.output(args.server).apply(assertServerUrl);
    // The typed Secret wraps stringData and data each as one secret Output: were `config`
    // (unknown until the token exists) in stringData, name and server would be unknown on a
    // first preview too. So config travels in `data` (base64), name and server in stringData.
    const config = argoClusterConfig(args.caData, args.bearerToken);
    return {
        metadata: {
            name: argoClusterSecretName(args.cluster),
            namespace: args.namespace,
            labels: sortedLabels,
        },
        type: "Opaque",
        stringData: { name: argoClusterName(args.cluster), server },
        data: {
            config: pulumi.secret(config.apply((c) => Buffer.from(c, "utf8").toString("base64"))),
        },
    };
}

/** Workload cluster: the ServiceAccount Argo CD acts as. */
export function buildArgocdManagerServiceAccount(): k8s.core.v1.ServiceAccountArgs {
    return {
        metadata: {
            name: ARGOCD_MANAGER_NAME,
            namespace: ARGOCD_MANAGER_NAMESPACE,
            labels: { [labels.managedBy]: "pulumi" },
        },
    };
}

/**
 * Workload cluster: bind the ServiceAccount to cluster-admin. `argocd cluster add` creates an
 * equivalent all-verbs ClusterRole; cluster-config installs CRDs, RBAC and DaemonSets, so Argo CD
 * needs full rights either way.
 */
export function buildArgocdManagerClusterRoleBinding(): k8s.rbac.v1.ClusterRoleBindingArgs {
    return {
        metadata: {
            name: `${ARGOCD_MANAGER_NAME}-role-binding`,
            labels: { [labels.managedBy]: "pulumi" },
        },
        roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "cluster-admin",
        },
        subjects: [
            {
                kind: "ServiceAccount",
                name: ARGOCD_MANAGER_NAME,
                namespace: ARGOCD_MANAGER_NAMESPACE,
            },
        ],
    };
}

/**
 * Workload cluster: a long-lived token Secret for the ServiceAccount (since Kubernetes 1.24 no
 * longer created automatically). The token controller fills `data.token` and `data["ca.crt"]`.
 */
export function buildArgocdManagerTokenSecret(): k8s.core.v1.SecretArgs {
    return {
        metadata: {
            name: ARGOCD_MANAGER_TOKEN_SECRET,
            namespace: ARGOCD_MANAGER_NAMESPACE,
            labels: { [labels.managedBy]: "pulumi" },
            annotations: { "kubernetes.io/service-account.name": ARGOCD_MANAGER_NAME },
        },
        type: "kubernetes.io/service-account-token",
    };
}

/**
 * Turns the token Secret's `data` (base64 values) into Argo CD credentials: the decoded bearer
 * token and the CA as base64 PEM (the encoding Argo CD's caData wants). Both are secret Outputs;
 * fails clearly while the token controller has not filled the Secret yet.
 */
export function tokenSecretCredentials(data: pulumi.Input<Record<string, string> | undefined>): {
    bearerToken: pulumi.Output<string>;
    caData: pulumi.Output<string>;
} {
    const d = pulumi.output(data).apply((v) => {
        if (!v || !v.token || !v["ca.crt"]) {
            throw new Error(
                `${ARGOCD_MANAGER_NAMESPACE}/${ARGOCD_MANAGER_TOKEN_SECRET}: data.token or ` +
                    `data["ca.crt"] missing; the token controller has not populated the Secret yet`,
            );
        }
        return v;
    });
    return {
        bearerToken: pulumi.secret(d.apply((v) => Buffer.from(v.token, "base64").toString("utf8"))),
        caData: pulumi.secret(d.apply((v) => v["ca.crt"])),
    };
}
