// The hand-off of one workload cluster to the region's Argo CD: wait for its API server, give
// Argo CD a ServiceAccount token there (as `argocd cluster add` does), register the cluster
// Secret, create the cluster-config Application, then sync it through the Argo CD API and wait.
//
// Destroy order follows the dependencies: the sync record, then the Application (its resources
// finalizer removes what it deployed while the cluster still answers), then the cluster Secret,
// and only then the CAPI Cluster (owned by WorkloadCluster, which these depend on).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildClusterConfigApplication } from "./argocd/clusterConfigApp";
import {
    buildArgoClusterSecret,
    buildArgocdManagerClusterRoleBinding,
    buildArgocdManagerServiceAccount,
    buildArgocdManagerTokenSecret,
    tokenSecretCredentials,
} from "./argocd/clusterSecret";
import { buildCpiCredentialsSecret } from "./argocd/clusterConfigApp";
import { ClusterConfig, ClusterIpPlan, RegionConfig } from "./config/types";
import { apiServerEndpoint } from "./capi/context";
import { types } from "./constants";
import { ApiServerReady } from "./providers/apiServerReady";
import { ArgoCdAppSync } from "./providers/argoCdAppSync";
import { shortHash } from "./stableJson";

export interface ArgoRegistrationArgs {
    readonly region: RegionConfig;
    readonly cluster: ClusterConfig;
    readonly plan: ClusterIpPlan;
    /** Provider of the management cluster, where Argo CD and the CAPI objects live. */
    readonly managementProvider: k8s.Provider;
    /** Management kubeconfig (secret), for the readiness wait. */
    readonly managementKubeconfig: pulumi.Input<string>;
    /** vCenter password (secret), for the CPI credentials in the workload cluster. */
    readonly vspherePassword: pulumi.Input<string>;
    /** The CAPI objects the wait needs (Cluster, KubeadmControlPlane). */
    readonly capiObjects: pulumi.Resource[];
    /** Anything the sync must wait for besides the Application (e.g. router listen ranges). */
    readonly syncAfter?: pulumi.Resource[];
}

/** pulumi-kubernetes waits until the token controller has filled the token Secret. */
const WAIT_FOR_TOKEN = { "pulumi.com/waitFor": "jsonpath={.data.token}" };

export class ArgoRegistration extends pulumi.ComponentResource {
    public readonly ready: ApiServerReady;
    public readonly clusterSecret: k8s.core.v1.Secret;
    public readonly application: k8s.apiextensions.CustomResource;
    public readonly sync?: ArgoCdAppSync;
    /** The registered API server URL, as CAPI wrote it into the kubeconfig. */
    public readonly server: pulumi.Output<string>;
    /** cluster-config sync and health, once known ("Unmanaged" when manageSync is off). */
    public readonly syncStatus: pulumi.Output<string>;
    public readonly healthStatus: pulumi.Output<string>;

    constructor(name: string, args: ArgoRegistrationArgs, opts?: pulumi.ComponentResourceOptions) {
        super(types.ArgoRegistration, name, {}, opts);
        const { region, cluster, plan } = args;
        const c = cluster.name;
        const argocd = region.argocd;
        const endpoint = apiServerEndpoint(plan);

        this.ready = new ApiServerReady(
            `${c}-api-ready`,
            {
                clusterName: c,
                namespace: region.management.namespace,
                managementKubeconfig: args.managementKubeconfig,
                timeoutSeconds: region.management.readinessTimeoutSeconds,
            },
            { parent: this, dependsOn: args.capiObjects },
        );
        this.server = this.ready.server;
        // Argo CD is registered under the planned endpoint (known at preview); say so loudly if
        // CAPI wrote another one into the kubeconfig (e.g. a DNS name), since they must match.
        this.ready.server.apply((s) => {
            if (s && s !== endpoint) {
                pulumi.log.warn(
                    `cluster ${c}: the kubeconfig CAPI wrote points at ${s}, but Argo CD is ` +
                        `registered at ${endpoint}; Argo CD must reach the API server there`,
                    this,
                );
            }
        });

        // The workload cluster, reached with the admin kubeconfig CAPI wrote (never ambient).
        const workload = new k8s.Provider(
            `${c}-workload`,
            { kubeconfig: this.ready.kubeconfig, clusterIdentifier: `${region.region}-${c}` },
            { parent: this },
        );
        const inWorkload = { parent: this, provider: workload };
        const sa = new k8s.core.v1.ServiceAccount(
            `${c}-argocd-manager`,
            buildArgocdManagerServiceAccount(),
            inWorkload,
        );
        const binding = new k8s.rbac.v1.ClusterRoleBinding(
            `${c}-argocd-manager`,
            buildArgocdManagerClusterRoleBinding(),
            { ...inWorkload, dependsOn: [sa] },
        );
        const tokenArgs = buildArgocdManagerTokenSecret();
        const tokenSecret = new k8s.core.v1.Secret(
            `${c}-argocd-manager-token`,
            {
                ...tokenArgs,
                metadata: pulumi.output(tokenArgs.metadata).apply((m) => ({
                    ...m,
                    annotations: { ...(m?.annotations ?? {}), ...WAIT_FOR_TOKEN },
                })),
            },
            { ...inWorkload, dependsOn: [sa], additionalSecretOutputs: ["data"] },
        );
        const cpiCredentials = new k8s.core.v1.Secret(
            `${c}-cpi-credentials`,
            buildCpiCredentialsSecret({
                server: region.vsphere.server,
                username: region.vsphere.username,
                password: args.vspherePassword,
            }),
            { ...inWorkload, additionalSecretOutputs: ["stringData", "data"] },
        );

        const credentials = tokenSecretCredentials(tokenSecret.data);
        const mgmt = { parent: this, provider: args.managementProvider };
        this.clusterSecret = new k8s.core.v1.Secret(
            `${c}-argocd-cluster`,
            buildArgoClusterSecret({
                namespace: argocd.namespace,
                region: region.region,
                environment: region.environment,
                cluster: c,
                // The endpoint CAPI writes into the kubeconfig; known at preview, unlike
                // ready.server, so policies can match Applications to registered clusters.
                server: endpoint,
                caData: this.ready.caData,
                bearerToken: credentials.bearerToken,
                extraLabels: cluster.labels,
            }),
            {
                ...mgmt,
                dependsOn: [...args.capiObjects, binding],
                additionalSecretOutputs: ["stringData", "data"],
            },
        );

        const app = buildClusterConfigApplication({ region, cluster, plan });
        this.application = new k8s.apiextensions.CustomResource(`${c}-cluster-config`, app, {
            ...mgmt,
            dependsOn: [this.clusterSecret, cpiCredentials, ...args.capiObjects],
        });

        if (argocd.manageSync) {
            this.sync = new ArgoCdAppSync(
                `${c}-cluster-config-sync`,
                {
                    argocdUrl: argocd.url,
                    caPem: argocd.caCert,
                    account: argocd.account,
                    project: argocd.project,
                    appName: app.metadata.name,
                    appNamespace: argocd.namespace,
                    clusterServer: endpoint,
                    // A changed Application spec means a new sync.
                    trigger: shortHash(app.spec),
                    prune: true,
                    retry: argocd.retry,
                    timeoutSeconds: argocd.syncTimeoutSeconds,
                },
                {
                    parent: this,
                    dependsOn: [this.application, this.clusterSecret, ...(args.syncAfter ?? [])],
                },
            );
            this.syncStatus = this.sync.syncStatus;
            this.healthStatus = this.sync.healthStatus;
        } else {
            this.syncStatus = pulumi.output("Unmanaged");
            this.healthStatus = pulumi.output("Unmanaged");
        }
        this.registerOutputs({
            server: this.server,
            syncStatus: this.syncStatus,
            healthStatus: this.healthStatus,
        });
    }
}
