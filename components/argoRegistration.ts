// The hand-off of one workload cluster to the region's Argo CD: wait for its API server, give
// Argo CD a ServiceAccount token there (as `argocd cluster add` does), register the cluster
// Secret, create the cluster-config Application, then sync it through the Argo CD API and wait.
//
// Destroy order follows the dependencies: the sync record, then the Application (its resources
// finalizer removes what it deployed while the cluster still answers), then the cluster Secret,
// and only then the CAPI Cluster (owned by WorkloadCluster, which these depend on).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    buildClusterConfigApplication,
    type ClusterConfigApplication,
} from "./argocd/clusterConfigApp";
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

/** What the cluster Secret needs from the argocd-manager objects in the workload cluster. */
interface ArgocdManager {
    readonly binding: k8s.rbac.v1.ClusterRoleBinding;
    readonly tokenSecret: k8s.core.v1.Secret;
}

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
        const endpoint = apiServerEndpoint(plan);

        this.ready = this.awaitApiServer(args, endpoint);
        this.server = this.ready.server;

        // The workload cluster, reached with the admin kubeconfig CAPI wrote (never ambient).
        const workload = new k8s.Provider(
            `${c}-workload`,
            { kubeconfig: this.ready.kubeconfig, clusterIdentifier: `${region.region}-${c}` },
            { parent: this },
        );
        const inWorkload = { parent: this, provider: workload };
        const manager = this.createArgocdManager(c, inWorkload);
        const cpiCredentials = this.createCpiCredentials(args, inWorkload);

        this.clusterSecret = this.registerCluster(args, endpoint, manager);
        const app = buildClusterConfigApplication({ region, cluster, plan });
        this.application = new k8s.apiextensions.CustomResource(`${c}-cluster-config`, app, {
            parent: this,
            provider: args.managementProvider,
            dependsOn: [this.clusterSecret, cpiCredentials, ...args.capiObjects],
        });

        if (region.argocd.manageSync) {
            this.sync = this.syncApplication(args, app, endpoint);
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

    /** The readiness wait, which also reads the workload kubeconfig CAPI wrote. */
    private awaitApiServer(args: ArgoRegistrationArgs, endpoint: string): ApiServerReady {
        const { region } = args;
        const c = args.cluster.name;
        const ready = new ApiServerReady(
            `${c}-api-ready`,
            {
                clusterName: c,
                namespace: region.management.namespace,
                managementKubeconfig: args.managementKubeconfig,
                timeoutSeconds: region.management.readinessTimeoutSeconds,
            },
            { parent: this, dependsOn: args.capiObjects },
        );
        // Argo CD is registered under the planned endpoint (known at preview); say so loudly if
        // CAPI wrote another one into the kubeconfig (e.g. a DNS name), since they must match.
        ready.server.apply((s) => {
            if (s && s !== endpoint) {
                pulumi.log.warn(
                    `cluster ${c}: the kubeconfig CAPI wrote points at ${s}, but Argo CD is ` +
                        `registered at ${endpoint}; Argo CD must reach the API server there`,
                    this,
                );
            }
        });
        return ready;
    }

    /** The argocd-manager ServiceAccount in the workload cluster, its binding and token. */
    private createArgocdManager(
        c: string,
        inWorkload: pulumi.CustomResourceOptions,
    ): ArgocdManager {
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
        return { binding, tokenSecret };
    }

    /** The vCenter credentials the cluster-config Application's CPI reads in the workload cluster. */
    private createCpiCredentials(
        args: ArgoRegistrationArgs,
        inWorkload: pulumi.CustomResourceOptions,
    ): k8s.core.v1.Secret {
        const { vsphere } = args.region;
        return new k8s.core.v1.Secret(
            `${args.cluster.name}-cpi-credentials`,
            buildCpiCredentialsSecret({
                server: vsphere.server,
                username: vsphere.username,
                password: args.vspherePassword,
            }),
            { ...inWorkload, additionalSecretOutputs: ["stringData", "data"] },
        );
    }

    /** The Argo CD cluster Secret on the management cluster, with the manager's token. */
    private registerCluster(
        args: ArgoRegistrationArgs,
        endpoint: string,
        manager: ArgocdManager,
    ): k8s.core.v1.Secret {
        const { region, cluster } = args;
        const credentials = tokenSecretCredentials(manager.tokenSecret.data);
        return new k8s.core.v1.Secret(
            `${cluster.name}-argocd-cluster`,
            buildArgoClusterSecret({
                namespace: region.argocd.namespace,
                region: region.region,
                environment: region.environment,
                cluster: cluster.name,
                // The endpoint CAPI writes into the kubeconfig; known at preview, unlike
                // ready.server, so policies can match Applications to registered clusters.
                server: endpoint,
                caData: this.ready.caData,
                bearerToken: credentials.bearerToken,
                extraLabels: cluster.labels,
            }),
            {
                parent: this,
                provider: args.managementProvider,
                dependsOn: [...args.capiObjects, manager.binding],
                additionalSecretOutputs: ["stringData", "data"],
            },
        );
    }

    /** Syncs cluster-config through the Argo CD API once the Application and cluster exist. */
    private syncApplication(
        args: ArgoRegistrationArgs,
        app: ClusterConfigApplication,
        endpoint: string,
    ): ArgoCdAppSync {
        const argocd = args.region.argocd;
        return new ArgoCdAppSync(
            `${args.cluster.name}-cluster-config-sync`,
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
    }
}
