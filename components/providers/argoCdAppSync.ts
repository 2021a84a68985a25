// Dynamic provider that syncs a cluster's `cluster-config` Argo CD Application and waits for it
// with `argocd app wait` semantics (../shared/notes/argocd.md §5, §6, §9):
//   1. the cluster is registered and its connection state is not Failed (list call);
//   2. the Application is visible (GET ?refresh=normal&project=, polled while 404);
//   3. the cluster connection becomes Successful now that an app targets it (capped);
//   4. POST sync with our retryStrategy; a 400 "another operation is already in progress" is
//      resolved once by waiting for that operation, never by looping;
//   5. poll until operation finished + Synced + Healthy, failing fast on Failed/Error.
// The Argo CD token comes from stack config through configure(): it is never an input, an
// output or part of the serialized closure. Provider methods use no Pulumi APIs (they run in
// the provider host from a serialized copy); only the resource class at the bottom does.
import * as pulumi from "@pulumi/pulumi";
import {
    clusterConnectionState,
    createArgoCdClient,
    getApplication,
    listClusters,
    normalizeUrl,
    syncApplication,
    type AppRef,
    type Application,
    type ArgoCdClient,
    type Cluster,
    type RetryTuning,
    type SyncRequest,
} from "../argocd/client";
import {
    evaluateApp,
    failingResources,
    formatResource,
    operationInitiator,
    unhealthyResources,
    type AppEvaluation,
    type OperationInitiator,
} from "../argocd/appStatus";
import {
    argoCdSyncError,
    isArgoCdApiError,
    isArgoCdSyncError,
    type ArgoCdSyncError,
} from "../argocd/errors";
import { DNS1123_LABEL } from "../config/checker";
import { stableStringify } from "../stableJson";
import { systemClock, type Clock } from "./backoff";
import { DYNAMIC_MODULE } from "../constants";

/** Stack config key (project namespace `cluster-fleet`) holding the Argo CD API token, as a secret. */
export const ARGOCD_TOKEN_CONFIG_KEY = "cluster-fleet:argocdToken";

export const DEFAULT_SYNC_TIMEOUT_SECONDS = 900;
export const DEFAULT_CLUSTER_READY_TIMEOUT_SECONDS = 180;
export const DEFAULT_APP_VISIBLE_TIMEOUT_SECONDS = 120;

/** Argo CD `retryStrategy` for the sync operation (same shape as the region's ArgoRetryConfig). */
export interface ArgoCdSyncRetry {
    /** Retries after the first attempt; 0 = none, negative = unlimited. */
    readonly limit: number;
    readonly backoff: {
        /** Go duration, e.g. "5s". */
        readonly duration: string;
        readonly factor: number;
        /** Go duration, e.g. "3m". */
        readonly maxDuration: string;
    };
}

/** Plain inputs the provider receives. */
export interface ArgoCdAppSyncInputs {
    /** Argo CD base URL (https), with the --rootpath prefix if any. */
    readonly argocdUrl: string;
    /** PEM CA of the Argo CD server certificate, then the only one trusted; absent: the public roots. */
    readonly caPem?: string;
    /** Argo CD account of the token: names RBAC hints and recognises our own operations. */
    readonly account?: string;
    readonly project: string;
    readonly appName: string;
    /** Namespace of the Application (Argo CD's namespace). */
    readonly appNamespace: string;
    /** API server URL the cluster is registered under in Argo CD. */
    readonly clusterServer: string;
    /** Opaque value (e.g. a hash of the Application spec); a change triggers a new sync. */
    readonly trigger?: string;
    readonly prune?: boolean;
    /** Sent as syncOptions {items}; REPLACES the app's spec.syncPolicy.syncOptions, so omit or repeat them. */
    readonly syncOptions?: readonly string[];
    readonly retry?: ArgoCdSyncRetry;
    /** Own deadline for the whole create/update (customTimeouts do not apply to dynamic resources). */
    readonly timeoutSeconds?: number;
    readonly clusterReadyTimeoutSeconds?: number;
    readonly appVisibleTimeoutSeconds?: number;
}

export interface ArgoCdAppSyncOutputs extends ArgoCdAppSyncInputs {
    readonly syncStatus: string;
    readonly healthStatus: string;
    readonly revision: string;
    readonly operationPhase: string;
    /** finishedAt of the last sync operation. */
    readonly syncedAt: string;
}

/** Inputs compared by diff; the timeouts are excluded (changing a deadline needs no sync). */
const DIFFED_INPUTS = [
    "argocdUrl",
    "caPem",
    "account",
    "project",
    "appName",
    "appNamespace",
    "clusterServer",
    "trigger",
    "prune",
    "syncOptions",
    "retry",
] as const;
const REPLACING_INPUTS = ["argocdUrl", "appName", "appNamespace"];
const TIMEOUT_INPUTS = [
    "timeoutSeconds",
    "clusterReadyTimeoutSeconds",
    "appVisibleTimeoutSeconds",
] as const;

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

type CheckFailure = { property: string; reason: string };

/** Validation failures for the inputs, each naming the field and the fix. Unknowns are skipped. */
export function validateAppSyncInputs(news: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const known = (k: string) => news[k] !== UNKNOWN;
    const str = (k: string) => (typeof news[k] === "string" ? (news[k] as string) : undefined);
    const urls: [string, string][] = [
        ["argocdUrl", "the region's Argo CD API, e.g. https://argocd.eu1.example.net"],
        ["clusterServer", "the cluster's API server as registered in Argo CD"],
    ];
    for (const [k, what] of urls) {
        const v = str(k);
        if (known(k) && !isHttpsUrl(v)) {
            failures.push({
                property: k,
                reason: `${k} must be the https:// URL of ${what} (got ${JSON.stringify(v ?? null)})`,
            });
        }
    }
    for (const k of ["project", "appName", "appNamespace"]) {
        const v = str(k);
        if (known(k) && (!v || !DNS1123_LABEL.test(v))) {
            failures.push({
                property: k,
                reason: `${k} must be a non-empty lowercase DNS-1123 name (got ${JSON.stringify(news[k] ?? null)})`,
            });
        }
    }
    if (known("caPem") && news.caPem !== undefined) {
        const v = str("caPem");
        if (!v || !v.includes("-----BEGIN CERTIFICATE-----")) {
            failures.push({
                property: "caPem",
                reason: "caPem must be a PEM certificate (-----BEGIN CERTIFICATE-----), or be omitted to use the system roots",
            });
        }
    }
    return [...failures, ...syncSettingsFailures(news)];
}

/** True for a string that parses as an https: URL. */
function isHttpsUrl(v: string | undefined): boolean {
    try {
        return v !== undefined && new URL(v).protocol === "https:";
    } catch {
        return false;
    }
}

/** The deadlines, sync options and retry strategy, where set and known. */
function syncSettingsFailures(news: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const known = (k: string) => news[k] !== UNKNOWN;
    for (const k of TIMEOUT_INPUTS) {
        const v = news[k];
        if (
            v !== undefined &&
            known(k) &&
            !(typeof v === "number" && Number.isInteger(v) && v > 0)
        ) {
            failures.push({
                property: k,
                reason: `${k} must be a positive whole number of seconds (got ${JSON.stringify(v)})`,
            });
        }
    }
    if (known("syncOptions") && news.syncOptions !== undefined) {
        const v = news.syncOptions;
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || !/^[A-Za-z]+=/.test(x))) {
            failures.push({
                property: "syncOptions",
                reason: 'syncOptions must be a list of "Name=value" strings, e.g. ["ServerSideApply=true"]',
            });
        }
    }
    if (known("retry") && news.retry !== undefined) {
        failures.push(...retryFailures(news.retry as Partial<ArgoCdSyncRetry> | undefined));
    }
    return failures;
}

/** Argo CD rejects a retryStrategy with a bad limit, duration or factor only at sync time. */
function retryFailures(r: Partial<ArgoCdSyncRetry> | undefined): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const b = r?.backoff;
    if (typeof r?.limit !== "number" || !Number.isInteger(r.limit)) {
        failures.push({
            property: "retry.limit",
            reason: "retry.limit must be a whole number (0 = no retry)",
        });
    }
    if (!b || typeof b.duration !== "string" || !GO_DURATION.test(b.duration)) {
        failures.push({
            property: "retry.backoff.duration",
            reason: 'retry.backoff.duration must be a Go duration such as "5s"',
        });
    }
    if (!b || typeof b.maxDuration !== "string" || !GO_DURATION.test(b.maxDuration)) {
        failures.push({
            property: "retry.backoff.maxDuration",
            reason: 'retry.backoff.maxDuration must be a Go duration such as "3m"',
        });
    }
    if (!b || typeof b.factor !== "number" || !Number.isInteger(b.factor) || b.factor < 1) {
        failures.push({
            property: "retry.backoff.factor",
            reason: "retry.backoff.factor must be a whole number >= 1",
        });
    }
    return failures;
}

/** Tuning for tests; production uses the defaults. */
export interface ArgoCdAppSyncProviderOptions {
    /** Explicit token, for tests only. Production reads it in configure(). */
    readonly token?: string;
    /** Delay between status polls (default 5000 ms). */
    readonly pollIntervalMs?: number;
    readonly requestTimeoutMs?: number;
    readonly httpRetry?: Partial<RetryTuning>;
    /** Time source of the deadlines, polls, retries and request timeouts. Default: the wall clock. */
    readonly clock?: Clock;
}

interface RunContext {
    readonly client: ArgoCdClient;
    readonly inputs: ArgoCdAppSyncInputs;
    readonly ref: AppRef;
    readonly label: string;
    readonly started: number;
    readonly deadlineAt: number;
    readonly deadline: AbortSignal;
}

export class ArgoCdAppSyncProvider implements pulumi.dynamic.ResourceProvider<
    ArgoCdAppSyncInputs,
    ArgoCdAppSyncOutputs
> {
    private token?: string;
    private readonly pollIntervalMs: number;
    private readonly requestTimeoutMs?: number;
    private readonly httpRetry?: Partial<RetryTuning>;
    private readonly clock: Clock;

    constructor(options: ArgoCdAppSyncProviderOptions = {}) {
        this.token = options.token;
        this.pollIntervalMs = options.pollIntervalMs ?? 5000;
        this.requestTimeoutMs = options.requestTimeoutMs;
        this.httpRetry = options.httpRetry;
        this.clock = options.clock ?? systemClock;
    }

    async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
        const token = req.config.get(ARGOCD_TOKEN_CONFIG_KEY);
        if (token) {
            this.token = token;
        }
    }

    async check(
        _olds: ArgoCdAppSyncInputs,
        news: ArgoCdAppSyncInputs,
    ): Promise<pulumi.dynamic.CheckResult<ArgoCdAppSyncInputs>> {
        const failures = validateAppSyncInputs(news as unknown as Record<string, unknown>);
        if (failures.length > 0) {
            return { failures };
        }
        const norm = (v: string) => (v === UNKNOWN ? v : normalizeUrl(v));
        return {
            inputs: {
                ...news,
                argocdUrl: norm(news.argocdUrl),
                clusterServer: norm(news.clusterServer),
            },
        };
    }

    async diff(
        _id: string,
        olds: ArgoCdAppSyncOutputs,
        news: ArgoCdAppSyncInputs,
    ): Promise<pulumi.dynamic.DiffResult> {
        // olds are the previous outputs; only inputs are compared (not __provider, timeouts or
        // the observed status, which changes on its own).
        const o = olds as unknown as Record<string, unknown>;
        const n = news as unknown as Record<string, unknown>;
        const changed = DIFFED_INPUTS.filter(
            (k) => stableStringify(o[k]) !== stableStringify(n[k]),
        );
        return {
            changes: changed.length > 0,
            replaces: changed.filter((k) => REPLACING_INPUTS.includes(k)),
            deleteBeforeReplace: false,
        };
    }

    async create(
        inputs: ArgoCdAppSyncInputs,
    ): Promise<pulumi.dynamic.CreateResult<ArgoCdAppSyncOutputs>> {
        const outs = await this.syncAndWait(inputs);
        return { id: `${inputs.appNamespace}/${inputs.appName}`, outs };
    }

    async update(
        _id: string,
        _olds: ArgoCdAppSyncOutputs,
        news: ArgoCdAppSyncInputs,
    ): Promise<pulumi.dynamic.UpdateResult<ArgoCdAppSyncOutputs>> {
        return { outs: await this.syncAndWait(news) };
    }

    /** Refresh: report the app's current sync/health, so drift shows; gone app → gone resource. */
    async read(
        id: string,
        props?: ArgoCdAppSyncOutputs,
    ): Promise<pulumi.dynamic.ReadResult<ArgoCdAppSyncOutputs>> {
        if (!props) {
            return { id, props };
        }
        const client = this.client(props);
        try {
            const app = await getApplication(client, appRef(props));
            if (!app) {
                return {};
            }
            const inputs = pickInputs(props);
            // Returning inputs keeps diffs after a refresh accurate (Pulumi >= 3.216).
            return {
                id,
                props: { ...inputs, ...statusOutputs(evaluateApp(app)) },
                inputs: inputs as unknown as ArgoCdAppSyncOutputs,
            };
        } finally {
            await client.close();
        }
    }

    async delete(): Promise<void> {
        // Nothing to undo: a sync is an action, not an object. The Application CR itself is
        // deleted by the Kubernetes provider, with its finalizer deciding the cascade.
    }

    private requireToken(): string {
        if (!this.token) {
            throw new Error(
                `Argo CD token missing: set it with \`pulumi config set --secret ${ARGOCD_TOKEN_CONFIG_KEY} <token>\``,
            );
        }
        return this.token;
    }

    private client(inputs: ArgoCdAppSyncInputs): ArgoCdClient {
        return createArgoCdClient({
            url: inputs.argocdUrl,
            token: this.requireToken(),
            caPem: inputs.caPem,
            account: inputs.account,
            requestTimeoutMs: this.requestTimeoutMs,
            retry: this.httpRetry,
            clock: this.clock,
        });
    }

    private async syncAndWait(inputs: ArgoCdAppSyncInputs): Promise<ArgoCdAppSyncOutputs> {
        const failures = validateAppSyncInputs(inputs as unknown as Record<string, unknown>);
        if (failures.length > 0) {
            throw new Error(
                "ArgoCdAppSync inputs are invalid: " +
                    failures.map((f) => `${f.property}: ${f.reason}`).join("; "),
            );
        }
        const timeoutMs = (inputs.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS) * 1000;
        const client = this.client(inputs);
        const ref = appRef(inputs);
        const started = this.clock.now();
        const ctx: RunContext = {
            client,
            inputs,
            ref,
            label: `Argo CD app ${ref.appNamespace}/${ref.name} (project ${ref.project}) at ${client.url}`,
            started,
            deadlineAt: started + timeoutMs,
            deadline: this.clock.timeout(timeoutMs),
        };
        try {
            await this.awaitCluster(ctx, "registered");
            await this.awaitVisible(ctx);
            await this.awaitCluster(ctx, "successful");
            await this.triggerSync(ctx);
            const app = await this.poll(ctx, "done");
            return { ...pickInputs(inputs), ...statusOutputs(evaluateApp(app)) };
        } finally {
            await client.close();
        }
    }

    private remainingMs(ctx: RunContext): number {
        return ctx.deadlineAt - this.clock.now();
    }

    private async pause(ctx: RunContext, capAt: number): Promise<void> {
        const ms = Math.max(0, Math.min(this.pollIntervalMs, capAt - this.clock.now()));
        await this.clock.sleep(ms);
    }

    private async awaitCluster(ctx: RunContext, until: "registered" | "successful"): Promise<void> {
        const server = normalizeUrl(ctx.inputs.clusterServer);
        const capSeconds =
            ctx.inputs.clusterReadyTimeoutSeconds ?? DEFAULT_CLUSTER_READY_TIMEOUT_SECONDS;
        const capAt = Math.min(this.clock.now() + capSeconds * 1000, ctx.deadlineAt);
        const t0 = this.clock.now();
        for (;;) {
            const found = await this.withDeadline(ctx, () =>
                listClusters(ctx.client, { server }, ctx.deadline),
            );
            const waited = Math.round((this.clock.now() - t0) / 1000);
            if (found.length === 0) {
                if (this.clock.now() >= capAt) {
                    throw argoCdSyncError(
                        "cluster-missing",
                        `Cluster ${server} is not registered in Argo CD at ${ctx.client.url} ` +
                            `(GET /api/v1/clusters?server= returned no match for ${waited}s). Check the ` +
                            `Argo CD cluster Secret, and that account ${ctx.client.account} has ` +
                            "`clusters, get` (the list is filtered by RBAC).",
                        ctx.client.secrets,
                    );
                }
                await this.pause(ctx, capAt);
                continue;
            }
            const cs = connectionState(ctx, server, found[0]);
            // Unknown is normal until an app targets the cluster ("not being monitored").
            if (until === "registered" || cs.status === "Successful") {
                return;
            }
            if (this.clock.now() >= capAt) {
                throw argoCdSyncError(
                    "cluster-not-ready",
                    `Argo CD at ${ctx.client.url} has not connected to cluster ${server} after ${waited}s: ` +
                        `connection state ${cs.status || "(empty)"}${cs.message ? `: ${cs.message}` : ""}. ` +
                        "Check the application controller (sharding, logs) and that it can reach the cluster.",
                    ctx.client.secrets,
                );
            }
            await this.pause(ctx, capAt);
        }
    }

    private async awaitVisible(ctx: RunContext): Promise<Application> {
        const capSeconds =
            ctx.inputs.appVisibleTimeoutSeconds ?? DEFAULT_APP_VISIBLE_TIMEOUT_SECONDS;
        const capAt = Math.min(this.clock.now() + capSeconds * 1000, ctx.deadlineAt);
        const t0 = this.clock.now();
        for (;;) {
            // refresh=normal makes the controller re-compare now instead of at the next periodic
            // refresh (an app created before its cluster was registered would wait ~3 min).
            const app = await this.withDeadline(ctx, () =>
                getApplication(ctx.client, ctx.ref, { refresh: "normal", signal: ctx.deadline }),
            );
            if (app) {
                return app;
            }
            if (this.clock.now() >= capAt) {
                throw argoCdSyncError(
                    "app-not-visible",
                    `Application ${ctx.ref.appNamespace}/${ctx.ref.name} (project ${ctx.ref.project}) not visible ` +
                        `in Argo CD at ${ctx.client.url} after ${Math.round((this.clock.now() - t0) / 1000)}s; ` +
                        "check that the Application was created in that namespace and project.",
                    ctx.client.secrets,
                );
            }
            await this.pause(ctx, capAt);
        }
    }

    private syncRequest(
        inputs: ArgoCdAppSyncInputs,
    ): Omit<SyncRequest, "name" | "project" | "appNamespace"> {
        return {
            prune: inputs.prune ?? false,
            ...(inputs.retry
                ? {
                      retryStrategy: {
                          limit: inputs.retry.limit,
                          backoff: {
                              duration: inputs.retry.backoff.duration,
                              factor: inputs.retry.backoff.factor,
                              maxDuration: inputs.retry.backoff.maxDuration,
                          },
                      },
                  }
                : {}),
            ...(inputs.syncOptions ? { syncOptions: { items: [...inputs.syncOptions] } } : {}),
        };
    }

    /**
     * Starts our sync. On "another operation is already in progress" it waits once for that
     * operation if it is an auto-sync or ours (a retried POST, an interrupted earlier run), then
     * either keeps its result or, if it Failed, syncs explicitly: Argo CD never auto-retries a
     * revision whose sync failed. Anyone else's operation is reported, not waited on.
     */
    private async triggerSync(ctx: RunContext): Promise<void> {
        const request = this.syncRequest(ctx.inputs);
        for (let round = 0; ; round++) {
            try {
                await this.withDeadline(ctx, () =>
                    syncApplication(ctx.client, ctx.ref, request, ctx.deadline),
                );
                return;
            } catch (e) {
                if (!isArgoCdApiError(e) || e.reason !== "operation-in-progress") {
                    throw e;
                }
            }
            const current = await this.withDeadline(ctx, () =>
                getApplication(ctx.client, ctx.ref, { signal: ctx.deadline }),
            );
            const ev = current ? evaluateApp(current) : undefined;
            const by = current ? operationInitiator(current) : undefined;
            const ours = by !== undefined && (by.automated || by.username === ctx.client.account);
            if (!current || !ev || !ours || round >= 2) {
                const who = initiatorName(by, "automated sync", "unknown");
                throw argoCdSyncError(
                    "foreign-operation",
                    `${ctx.label}: another operation is already in progress, started by ${who} at ` +
                        `${ev?.startedAt || "(unknown time)"}, phase ${ev?.operationPhase || "(none)"}: ` +
                        `${ev?.operationMessage || "(no message)"}. ` +
                        (round >= 2
                            ? "It kept restarting while we waited; "
                            : "It was not started by an auto-sync or by this account; ") +
                        "wait for it or terminate it (`argocd app terminate-op`), then re-run `pulumi up`.",
                    ctx.client.secrets,
                );
            }
            const finished = await this.poll(ctx, "finished");
            if (evaluateApp(finished).state !== "failed") {
                return;
            }
        }
    }

    /** Polls the app until its operation is finished ("finished") or it is Synced+Healthy ("done"). */
    private async poll(ctx: RunContext, until: "finished" | "done"): Promise<Application> {
        let last: Application | undefined;
        for (;;) {
            try {
                last = await this.withDeadline(ctx, () =>
                    getApplication(ctx.client, ctx.ref, { signal: ctx.deadline }),
                );
            } catch (e) {
                if (isArgoCdSyncError(e) && e.reason === "timeout") {
                    throw this.timeoutError(ctx, last);
                }
                throw e;
            }
            if (!last) {
                throw argoCdSyncError(
                    "app-not-visible",
                    `${ctx.label} disappeared while waiting for its sync (404); was it deleted?`,
                    ctx.client.secrets,
                );
            }
            const ev = evaluateApp(last);
            if (ev.state === "failed") {
                if (until === "finished") {
                    return last;
                }
                throw this.failedError(ctx, last, ev);
            }
            if (ev.state === "done" || (until === "finished" && ev.state !== "in-progress")) {
                return last;
            }
            if (this.remainingMs(ctx) <= 0) {
                throw this.timeoutError(ctx, last);
            }
            await this.pause(ctx, ctx.deadlineAt);
        }
    }

    /** Runs a call; if our own deadline cuts it (mid-request or mid-retry), reports a timeout. */
    private async withDeadline<T>(ctx: RunContext, fn: () => Promise<T>): Promise<T> {
        try {
            return await fn();
        } catch (e) {
            if (ctx.deadline.aborted && isArgoCdApiError(e)) {
                const timeout = ctx.inputs.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS;
                throw argoCdSyncError(
                    "timeout",
                    `Timed out (timeoutSeconds=${timeout}) while working on ${ctx.label}: ${e.message}`,
                    ctx.client.secrets,
                );
            }
            throw e;
        }
    }

    private failedError(ctx: RunContext, app: Application, ev: AppEvaluation): ArgoCdSyncError {
        const failing = failingResources(app);
        const list =
            failing.length > 0
                ? failing.map((r) => `\n  - ${formatResource(r)}`).join("")
                : "\n  (no resource-level failure reported)";
        return argoCdSyncError(
            "sync-failed",
            `Sync of ${ctx.label} ended in phase ${ev.operationPhase} at revision ${ev.revision || "(unknown)"}: ` +
                `${ev.operationMessage || "(no message)"}\nFailing resources:${list}\n` +
                "Argo CD will not auto-retry this revision; fix the cause and re-run `pulumi up`, or push a fix.",
            ctx.client.secrets,
        );
    }

    /** Why an accepted sync may never start, and where to look. */
    private notPickedUp(ctx: RunContext, app: Application): string {
        const who = initiatorName(operationInitiator(app), "an auto-sync", "someone");
        return (
            `Argo CD accepted the sync (operation set by ${who}) but the application controller ` +
            "never started it: the Application has no status.operationState.startedAt. Check that " +
            "the argocd-application-controller is running and healthy (its logs), that its shard " +
            `handles cluster ${ctx.inputs.clusterServer}, and that the controller watches namespace ` +
            `${ctx.ref.appNamespace} (--application-namespaces for apps outside its own namespace).`
        );
    }

    private timeoutError(ctx: RunContext, app: Application | undefined): ArgoCdSyncError {
        const elapsed = Math.round((this.clock.now() - ctx.started) / 1000);
        const timeout = ctx.inputs.timeoutSeconds ?? DEFAULT_SYNC_TIMEOUT_SECONDS;
        const head = `Timed out after ${elapsed}s (timeoutSeconds=${timeout}) waiting for ${ctx.label} to be Synced and Healthy`;
        if (app && neverStarted(app)) {
            return argoCdSyncError(
                "timeout",
                `${head}: ${this.notPickedUp(ctx, app)}`,
                ctx.client.secrets,
            );
        }
        const ev = app ? evaluateApp(app) : undefined;
        const unhealthy = app ? unhealthyResources(app) : [];
        const list =
            unhealthy.length > 0
                ? `\nNot healthy:${unhealthy.map((r) => `\n  - ${formatResource(r)}`).join("")}`
                : "";
        return argoCdSyncError(
            "timeout",
            `${head}: sync ${ev?.syncStatus || "(unknown)"}, health ${ev?.healthStatus || "(unknown)"}, ` +
                `operation phase ${ev?.operationPhase || "(none)"}` +
                (ev && ev.retryCount > 0 ? ` (retry ${ev.retryCount})` : "") +
                `, last message: ${ev?.operationMessage || "(none)"}${list}`,
            ctx.client.secrets,
        );
    }
}

/** The cluster's connection state; Failed is final, so it throws. */
function connectionState(
    ctx: RunContext,
    server: string,
    cluster: Cluster,
): { status: string; message: string } {
    const cs = clusterConnectionState(cluster);
    if (cs.status === "Failed") {
        throw argoCdSyncError(
            "cluster-failed",
            `Argo CD at ${ctx.client.url} cannot connect to cluster ${server}: ${cs.message} ` +
                `(connection state Failed, last cache sync ${cluster.info?.cacheInfo?.lastCacheSyncTime ?? "never"})`,
            ctx.client.secrets,
        );
    }
    return cs;
}

/**
 * The operation is set but the controller never began it: it writes operationState (with
 * startedAt) as soon as it picks an operation up, and the API server clears it on a new sync.
 */
function neverStarted(app: Application): boolean {
    return app.operation !== undefined && !app.status?.operationState?.startedAt;
}

/** Who set an operation, in a message: `user <name>`, else the given words. */
function initiatorName(
    by: OperationInitiator | undefined,
    automated: string,
    unknown: string,
): string {
    if (!by) {
        return unknown;
    }
    return by.automated ? automated : `user ${by.username || "(unknown)"}`;
}

function appRef(inputs: ArgoCdAppSyncInputs): AppRef {
    return { name: inputs.appName, project: inputs.project, appNamespace: inputs.appNamespace };
}

function pickInputs(v: ArgoCdAppSyncInputs): ArgoCdAppSyncInputs {
    const src = v as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of [...DIFFED_INPUTS, ...TIMEOUT_INPUTS]) {
        if (src[k] !== undefined) {
            out[k] = src[k];
        }
    }
    return out as unknown as ArgoCdAppSyncInputs;
}

function statusOutputs(ev: AppEvaluation) {
    return {
        syncStatus: ev.syncStatus,
        healthStatus: ev.healthStatus,
        revision: ev.revision,
        operationPhase: ev.operationPhase,
        syncedAt: ev.finishedAt,
    };
}

// ---- Resource ------------------------------------------------------------------------------

type Inputify<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

/** Arguments of ArgoCdAppSync; see ArgoCdAppSyncInputs for each field. */
export type ArgoCdAppSyncArgs = Inputify<ArgoCdAppSyncInputs>;

const defaultProvider = new ArgoCdAppSyncProvider();

/**
 * Triggers and awaits the sync of one Argo CD Application. Depend on the Application CR and the
 * cluster Secret; change `trigger` to force a new sync.
 */
export class ArgoCdAppSync extends pulumi.dynamic.Resource {
    declare public readonly syncStatus: pulumi.Output<string>;
    declare public readonly healthStatus: pulumi.Output<string>;
    declare public readonly revision: pulumi.Output<string>;
    declare public readonly operationPhase: pulumi.Output<string>;
    declare public readonly syncedAt: pulumi.Output<string>;

    constructor(
        name: string,
        args: ArgoCdAppSyncArgs,
        opts?: pulumi.CustomResourceOptions,
        provider: ArgoCdAppSyncProvider = defaultProvider,
    ) {
        super(
            provider,
            name,
            {
                ...args,
                syncStatus: undefined,
                healthStatus: undefined,
                revision: undefined,
                operationPhase: undefined,
                syncedAt: undefined,
            },
            opts,
            DYNAMIC_MODULE,
            "ArgoCdAppSync",
        );
    }
}
