// ApiServerReady: a dynamic resource that waits until CAPI has written a workload cluster's
// `<cluster>-kubeconfig` Secret and the cluster's API server answers /readyz over verified TLS.
//
// The provider class below is serialized into state by value (see notes/pulumi.md §3). Its
// methods therefore use only local helper modules, Node built-ins imported by name and
// js-yaml; no agents or clients live outside a method call, and no Pulumi value is captured.
import * as pulumi from "@pulumi/pulumi";
import { DNS1123_LABEL } from "../config/checker";
import { DYNAMIC_MODULE } from "../constants";
import { backoffDelay, Clock, systemClock } from "./backoff";
import type { SecureContext } from "node:tls";
import {
    describeRequestError,
    httpsGet,
    isTlsVerifyError,
    lazySecureContext,
    type HttpsResponse,
} from "./httpsProbe";
import { KubeconfigError, KubeconfigTarget, parseKubeconfig } from "./kubeconfig";
import { redact } from "./redact";
import { explainCertMismatch } from "./serverCertMismatch";

/** Value the engine sends for inputs that are unknown during preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const DEFAULT_TIMEOUT_SECONDS = 1800;
export const DEFAULT_POLL_INTERVAL_SECONDS = 1;
export const DEFAULT_MAX_POLL_INTERVAL_SECONDS = 5;
/** Progress lines are written at most this often while waiting. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 30_000;
/** Upper bound of a single HTTP request (Secret GET or /readyz probe). */
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * How long the workload server's certificate may keep failing verification against the (re-read,
 * unchanged) cluster CA before the wait gives up early: long enough to ride out a load balancer
 * that shows its own certificate while no control plane is up yet.
 */
export const DEFAULT_TLS_MISMATCH_GRACE_MS = 60_000;

/** Inputs as the provider receives them (secrets already unwrapped by the engine). */
export interface ApiServerReadyInputs {
    clusterName: string;
    namespace: string;
    managementKubeconfig: string;
    timeoutSeconds?: number;
    pollIntervalSeconds?: number;
    maxPollIntervalSeconds?: number;
}

/**
 * State written by create/update/read: every input (diff receives old outputs, not old inputs)
 * plus what the program reads. Nothing time-dependent, so an unchanged cluster keeps identical
 * state. Nothing more either: the engine rewrites the whole checkpoint after every step.
 * State of earlier versions also has secretName, certData and keyData (the client certificate
 * and key, which `kubeconfig` holds too). diff ignores them; update and read drop them.
 */
export interface ApiServerReadyOutputs extends Required<ApiServerReadyInputs> {
    /** Workload API server URL from the kubeconfig, e.g. https://10.0.0.5:6443. */
    server: string;
    /** Workload cluster CA, base64 of PEM (kubeconfig `certificate-authority-data`). */
    caData: string;
    /** Workload kubeconfig YAML exactly as CAPI wrote it (client credentials included). Secret. */
    kubeconfig: string;
}

/** Outputs that carry credentials; the resource class marks them secret. */
export const SECRET_OUTPUTS = ["kubeconfig", "managementKubeconfig"];

export interface ApiServerReadyProviderOptions {
    /** Receives progress lines while waiting. Default: stderr, which the engine shows. */
    readonly progress?: (line: string) => void;
    /** Minimum spacing of progress lines. Default 30 s. */
    readonly progressIntervalMs?: number;
    /** See DEFAULT_TLS_MISMATCH_GRACE_MS; 0 fails on the first confirmed mismatch. */
    readonly tlsMismatchGraceMs?: number;
    /** Time source of the wait. Default: the wall clock. */
    readonly clock?: Clock;
}

type CheckFailure = { property: string; reason: string };

// The dynamic-provider host forwards plugin stderr to the engine as diagnostics, which the CLI
// prints while the step runs (pulumi.log is not wired inside the provider process).
function stderrProgress(line: string): void {
    process.stderr.write(`${line}\n`);
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_SUFFIX = "-kubeconfig";

function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** Validates known inputs; unknown values (preview) are skipped. Messages never hold values of secrets. */
export function validateInputs(news: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const name = news.clusterName;
    if (!isUnknown(name)) {
        if (typeof name !== "string" || name === "") {
            failures.push({ property: "clusterName", reason: "clusterName is required" });
        } else if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253 - SECRET_SUFFIX.length) {
            failures.push({
                property: "clusterName",
                reason:
                    `clusterName "${name}" is not a valid Kubernetes object name (lowercase ` +
                    `letters, digits, '-' and '.', at most ${253 - SECRET_SUFFIX.length} chars)`,
            });
        }
    }
    const ns = news.namespace;
    if (!isUnknown(ns)) {
        if (typeof ns !== "string" || !DNS1123_LABEL.test(ns) || ns.length > 63) {
            failures.push({
                property: "namespace",
                reason:
                    "namespace must be a Kubernetes namespace name (lowercase letters, digits " +
                    "and '-', at most 63 chars)",
            });
        }
    }
    const mk = news.managementKubeconfig;
    if (!isUnknown(mk)) {
        try {
            parseKubeconfig(typeof mk === "string" ? mk : "", "managementKubeconfig");
        } catch (e) {
            failures.push({ property: "managementKubeconfig", reason: redact(errorMessage(e)) });
        }
    }
    return [...failures, ...timingFailures(news)];
}

/** The timeout and poll knobs, when set, are positive numbers of seconds. */
function timingFailures(news: Record<string, unknown>): CheckFailure[] {
    const failures: CheckFailure[] = [];
    const positives: [keyof ApiServerReadyInputs, string][] = [
        ["timeoutSeconds", "the overall deadline"],
        ["pollIntervalSeconds", "the first retry delay"],
        ["maxPollIntervalSeconds", "the retry delay cap"],
    ];
    for (const [key, what] of positives) {
        const v = news[key];
        if (v === undefined || isUnknown(v)) {
            continue;
        }
        if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
            failures.push({
                property: key,
                reason: `${key} (${what}) must be a positive number of seconds`,
            });
        }
    }
    return failures;
}

function errorMessage(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}

/** Fills defaults. Callers validate first; create/read also run on state written earlier. */
function normalize(props: Record<string, unknown>): Required<ApiServerReadyInputs> {
    const num = (v: unknown, d: number) => (typeof v === "number" && v > 0 ? v : d);
    return {
        clusterName: String(props.clusterName ?? ""),
        namespace: String(props.namespace ?? ""),
        managementKubeconfig: String(props.managementKubeconfig ?? ""),
        timeoutSeconds: num(props.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS),
        pollIntervalSeconds: num(props.pollIntervalSeconds, DEFAULT_POLL_INTERVAL_SECONDS),
        maxPollIntervalSeconds: num(
            props.maxPollIntervalSeconds,
            DEFAULT_MAX_POLL_INTERVAL_SECONDS,
        ),
    };
}

/**
 * What decides where and how the provider connects. Comparing this instead of the raw text
 * means re-serializing the management kubeconfig (key order, comments, context names) is no
 * change; a new server, CA or credential is.
 */
function connectionFingerprint(text: unknown): string {
    if (typeof text !== "string") {
        return "absent";
    }
    try {
        const t = parseKubeconfig(text, "managementKubeconfig");
        return JSON.stringify([
            t.server,
            t.caPem ?? "",
            t.tlsServerName ?? "",
            t.auth.token ?? "",
            t.auth.certPem ?? "",
            t.auth.keyPem ?? "",
        ]);
    } catch {
        return `invalid:${text}`;
    }
}

/** Secret values of a kubeconfig, for redact(). */
function secretsOf(text: string | undefined): string[] {
    if (!text) {
        return [];
    }
    const out = [text];
    try {
        const t = parseKubeconfig(text);
        for (const s of [t.auth.token, t.auth.keyPem, t.auth.certPem]) {
            if (s) {
                out.push(s);
            }
        }
    } catch {
        // Unparseable text is already covered by redacting it whole.
    }
    return out;
}

type SecretLookup =
    | { readonly kind: "found"; readonly kubeconfig: string }
    | { readonly kind: "waiting"; readonly state: string; readonly notFound: boolean };

interface Ctx {
    /** "namespace/cluster", for messages. */
    readonly label: string;
    readonly inputs: Required<ApiServerReadyInputs>;
    readonly mgmt: KubeconfigTarget;
    /** TLS context of the management server, built once per create/update/read. */
    readonly mgmtTls: () => SecureContext;
    readonly secretName: string;
    /** Time source of the wait and of each request's timeout. */
    readonly clock: Clock;
}

/** TLS context of a kubeconfig's server and user, built on first use. */
function tlsOf(t: KubeconfigTarget): () => SecureContext {
    return lazySecureContext({ caPem: t.caPem, certPem: t.auth.certPem, keyPem: t.auth.keyPem });
}

const NO_SECRET_YET = "no kubeconfig Secret yet";
const NOT_CHECKED = "not checked yet";

/**
 * Reads the kubeconfig Secret once. Throws (fail fast) when waiting cannot help: rejected
 * credentials, missing RBAC, or a management server certificate that does not verify.
 */
async function lookupSecret(ctx: Ctx, timeoutMs: number): Promise<SecretLookup> {
    const { namespace } = ctx.inputs;
    const path =
        `/api/v1/namespaces/${encodeURIComponent(namespace)}` +
        `/secrets/${encodeURIComponent(ctx.secretName)}`;
    const where = `Secret ${namespace}/${ctx.secretName} on the management API server ${ctx.mgmt.server}`;
    let res;
    try {
        res = await httpsGet({
            url: `${ctx.mgmt.server}${path}`,
            secureContext: ctx.mgmtTls(),
            token: ctx.mgmt.auth.token,
            servername: ctx.mgmt.tlsServerName,
            timeoutMs,
            clock: ctx.clock,
        });
    } catch (e) {
        if (isTlsVerifyError(e)) {
            throw new Error(
                `cannot read ${where}: ${describeRequestError(e)}; check ` +
                    `certificate-authority-data in managementKubeconfig`,
            );
        }
        return {
            kind: "waiting",
            state: `management API server: ${describeRequestError(e)}`,
            notFound: false,
        };
    }
    return secretFromResponse(res, where, namespace);
}

/** What an answer to the Secret GET means: fail fast on 401/403, wait until it holds `value`. */
function secretFromResponse(res: HttpsResponse, where: string, namespace: string): SecretLookup {
    if (res.status === 401) {
        throw new Error(
            `cannot read ${where}: HTTP 401 Unauthorized; the credentials in ` +
                `managementKubeconfig were rejected, replace them with a valid token or client certificate`,
        );
    }
    if (res.status === 403) {
        throw new Error(
            `cannot read ${where}: HTTP 403 Forbidden; grant the managementKubeconfig user ` +
                `"get" on secrets in namespace ${namespace}`,
        );
    }
    if (res.status === 404) {
        return { kind: "waiting", state: NO_SECRET_YET, notFound: true };
    }
    if (res.status !== 200) {
        return {
            kind: "waiting",
            state: `management API server: HTTP ${res.status}`,
            notFound: false,
        };
    }
    let value: unknown;
    try {
        value = (JSON.parse(res.body) as { data?: Record<string, unknown> }).data?.value;
    } catch {
        return {
            kind: "waiting",
            state: "management API server: response is not JSON",
            notFound: false,
        };
    }
    if (typeof value !== "string" || value === "") {
        return {
            kind: "waiting",
            state: "kubeconfig Secret has no key value yet",
            notFound: false,
        };
    }
    return { kind: "found", kubeconfig: Buffer.from(value, "base64").toString("utf8") };
}

/** Parses the workload kubeconfig; it must carry the CA, since TLS is always verified. */
function workloadTarget(ctx: Ctx, kubeconfig: string): KubeconfigTarget {
    const what = `kubeconfig Secret ${ctx.inputs.namespace}/${ctx.secretName} (key value)`;
    const t = parseKubeconfig(kubeconfig, what);
    if (!t.caPem || !t.caData) {
        throw new KubeconfigError(
            `${what}: the cluster has no certificate-authority-data, so its API server cannot be verified`,
        );
    }
    return t;
}

function outputsFor(ctx: Ctx, kubeconfig: string, t: KubeconfigTarget): ApiServerReadyOutputs {
    return { ...ctx.inputs, server: t.server, caData: t.caData ?? "", kubeconfig };
}

/** A request cut short by the overall deadline fails as a "timeout" that says nothing new. */
function cutByDeadline(state: string, clipped: boolean): boolean {
    return clipped && state.endsWith("timeout");
}

/** A run of certificate failures of the workload server against one CA. */
interface Mismatch {
    readonly since: number;
    readonly probes: number;
    readonly why: string;
}

/** Extends the run with a failed probe, or ends it when `err` is no certificate failure. */
function trackMismatch(
    run: Mismatch | undefined,
    err: unknown,
    ctx: Ctx,
    target: KubeconfigTarget,
    now: number,
): Mismatch | undefined {
    const why = explainCertMismatch(err, {
        server: target.server,
        caPem: target.caPem,
        tlsServerName: target.tlsServerName,
        caSource: `Secret ${ctx.inputs.namespace}/${ctx.secretName}`,
    });
    if (!why) {
        return undefined;
    }
    return { since: run?.since ?? now, probes: (run?.probes ?? 0) + 1, why };
}

/**
 * The mismatch message once the run outlasted the grace and the server was probed again after
 * the Secret was re-read (same CA, same failure); undefined while waiting may still help.
 */
function confirmedMismatch(
    run: Mismatch | undefined,
    graceMs: number,
    now: number,
): string | undefined {
    const elapsed = run ? now - run.since : 0;
    if (!run || run.probes < 2 || elapsed < graceMs) {
        return undefined;
    }
    return (
        `${run.why} (${run.probes} probes over ${Math.round(elapsed / 1000)}s, ` +
        "the Secret re-read in between)"
    );
}

/** Where one waitForReady run stands; only its own methods change it. */
interface WaitState {
    readonly start: number;
    readonly deadline: number;
    kubeconfig?: string;
    target?: KubeconfigTarget;
    /** The workload TLS context, built once per kubeconfig (a re-created Secret brings a new CA). */
    targetTls?: () => SecureContext;
    endpoint: string;
    last: string;
    /** Set after a TLS verification error: the Secret may have been re-created with a new CA. */
    recheckSecret: boolean;
    /** Set while the server's certificate keeps failing verification against the same CA. */
    mismatch?: Mismatch;
    attempts: number;
    lastReport: number;
}

/** Records the latest state, except a request cut short by the deadline: it says nothing new. */
function note(w: WaitState, state: string, clipped: boolean): void {
    if (!(w.last !== NOT_CHECKED && cutByDeadline(state, clipped))) {
        w.last = state;
    }
}

/** One request's timeout: REQUEST_TIMEOUT_MS, clipped to what is left of the deadline. */
function budget(w: WaitState, now: number): { timeoutMs: number; clipped: boolean } {
    const remaining = w.deadline - now;
    return {
        timeoutMs: Math.max(1, Math.min(REQUEST_TIMEOUT_MS, remaining)),
        clipped: remaining < REQUEST_TIMEOUT_MS,
    };
}

/** The deadline passed: says what was last seen, or the certificate mismatch. */
function notReadyError(ctx: Ctx, w: WaitState): Error {
    const why = w.mismatch
        ? w.mismatch.why
        : `last state: ${w.last}. Check the control plane machines, or raise timeoutSeconds.`;
    return Object.assign(
        new Error(
            `ApiServerReady ${ctx.label}: the API server ${w.endpoint} of cluster ` +
                `"${ctx.inputs.clusterName}" was not ready within ${ctx.inputs.timeoutSeconds}s ` +
                `(${w.attempts} attempts); ${why}`,
        ),
        { workloadKubeconfig: w.kubeconfig },
    );
}

/** Provider of ApiServerReady. Exported for tests, which drive its methods directly. */
export class ApiServerReadyProvider implements pulumi.dynamic.ResourceProvider {
    private readonly progress: (line: string) => void;
    private readonly progressIntervalMs: number;
    private readonly tlsMismatchGraceMs: number;
    private readonly clock: Clock;

    constructor(opts: ApiServerReadyProviderOptions = {}) {
        this.progress = opts.progress ?? stderrProgress;
        this.progressIntervalMs = opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
        this.tlsMismatchGraceMs = opts.tlsMismatchGraceMs ?? DEFAULT_TLS_MISMATCH_GRACE_MS;
        this.clock = opts.clock ?? systemClock;
    }

    async check(
        _olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.CheckResult> {
        const failures = validateInputs(news);
        const inputs: Record<string, unknown> = { ...news };
        const defaults: [string, number][] = [
            ["timeoutSeconds", DEFAULT_TIMEOUT_SECONDS],
            ["pollIntervalSeconds", DEFAULT_POLL_INTERVAL_SECONDS],
            ["maxPollIntervalSeconds", DEFAULT_MAX_POLL_INTERVAL_SECONDS],
        ];
        for (const [k, d] of defaults) {
            if (inputs[k] === undefined) {
                inputs[k] = d;
            }
        }
        return { inputs, failures };
    }

    /**
     * `olds` are the previous outputs. Only the cluster identity forces replacement. A
     * management kubeconfig that reaches a different server or uses other credentials is an
     * in-place update (so state, used by refresh, holds working credentials); a re-serialized
     * but equivalent one is no change. Timeout and poll knobs, `__provider` and outputs
     * earlier versions wrote never diff.
     */
    async diff(
        _id: string,
        olds: Record<string, unknown>,
        news: Record<string, unknown>,
    ): Promise<pulumi.dynamic.DiffResult> {
        const replaces: string[] = [];
        for (const key of ["clusterName", "namespace"]) {
            if (isUnknown(news[key]) || olds[key] !== news[key]) {
                replaces.push(key);
            }
        }
        const mk = news.managementKubeconfig;
        const mgmtChanged =
            isUnknown(mk) ||
            connectionFingerprint(olds.managementKubeconfig) !== connectionFingerprint(mk);
        return { changes: replaces.length > 0 || mgmtChanged, replaces };
    }

    async create(inputs: ApiServerReadyInputs): Promise<pulumi.dynamic.CreateResult> {
        const outs = await this.guard(inputs, (ctx) => this.waitForReady(ctx));
        return { id: `${outs.namespace}/${outs.clusterName}`, outs };
    }

    async update(
        _id: string,
        _olds: ApiServerReadyOutputs,
        news: ApiServerReadyInputs,
    ): Promise<pulumi.dynamic.UpdateResult> {
        // Full outputs: an update that returns none leaves only __provider in state.
        return { outs: await this.guard(news, (ctx) => this.waitForReady(ctx)) };
    }

    /**
     * Refresh: re-reads the Secret (no /readyz wait) so a rotated CA or client certificate
     * shows up. A deleted Secret means the cluster is gone: an empty id drops it from state.
     */
    async read(id: string, props: ApiServerReadyOutputs): Promise<pulumi.dynamic.ReadResult> {
        if (typeof props?.managementKubeconfig !== "string" || props.managementKubeconfig === "") {
            throw new Error(
                `ApiServerReady ${id}: state has no managementKubeconfig, so it cannot be ` +
                    `refreshed or imported; create the resource with pulumi up instead`,
            );
        }
        return this.guard(props, async (ctx) => {
            const found = await lookupSecret(ctx, REQUEST_TIMEOUT_MS);
            if (found.kind === "waiting") {
                if (found.notFound) {
                    return { id: "", props: {} };
                }
                throw new Error(`refresh could not read the kubeconfig Secret: ${found.state}`);
            }
            const t = workloadTarget(ctx, found.kubeconfig);
            // Exactly what create writes (the host adds __provider): nothing kept from older state.
            return { id, props: outputsFor(ctx, found.kubeconfig, t) };
        });
    }

    /**
     * Nothing to delete: this resource only observes. The Secret belongs to the
     * KubeadmControlPlane and goes away with the CAPI Cluster, which Pulumi deletes separately.
     */
    async delete(): Promise<void> {
        return;
    }

    /** Parses inputs, runs `fn`, and rewrites any error into a redacted one naming the cluster. */
    private async guard<T>(
        props: Partial<ApiServerReadyInputs>,
        fn: (ctx: Ctx) => Promise<T>,
    ): Promise<T> {
        const inputs = normalize(props as Record<string, unknown>);
        const label = `${inputs.namespace}/${inputs.clusterName}`;
        const secrets = secretsOf(inputs.managementKubeconfig);
        try {
            const failures = validateInputs(inputs as unknown as Record<string, unknown>);
            if (failures.length > 0) {
                throw new Error(failures.map((f) => f.reason).join("; "));
            }
            const mgmt = parseKubeconfig(inputs.managementKubeconfig, "managementKubeconfig");
            const ctx: Ctx = {
                label,
                inputs,
                mgmt,
                mgmtTls: tlsOf(mgmt),
                clock: this.clock,
                secretName: `${inputs.clusterName}${SECRET_SUFFIX}`,
            };
            return await fn(ctx);
        } catch (e) {
            const err = e as { workloadKubeconfig?: string };
            const msg = redact(errorMessage(e), [...secrets, ...secretsOf(err.workloadKubeconfig)]);
            throw new Error(
                msg.startsWith("ApiServerReady") ? msg : `ApiServerReady ${label}: ${msg}`,
            );
        }
    }

    /** Polls the Secret, then /readyz, with capped jittered backoff until 200 or the deadline. */
    private async waitForReady(ctx: Ctx): Promise<ApiServerReadyOutputs> {
        const { timeoutSeconds, pollIntervalSeconds, maxPollIntervalSeconds } = ctx.inputs;
        const backoff = {
            baseMs: pollIntervalSeconds * 1000,
            maxMs: maxPollIntervalSeconds * 1000,
        };
        const start = this.clock.now();
        const w: WaitState = {
            start,
            deadline: start + timeoutSeconds * 1000,
            endpoint: `(unknown until Secret ${ctx.inputs.namespace}/${ctx.secretName} exists)`,
            last: NOT_CHECKED,
            recheckSecret: false,
            attempts: 0,
            lastReport: -Infinity,
        };
        for (;;) {
            if (w.deadline - this.clock.now() <= 0) {
                throw notReadyError(ctx, w);
            }
            if (!w.target || w.recheckSecret) {
                await this.readTarget(ctx, w);
            }
            const outs = await this.probeReadyz(ctx, w);
            if (outs) {
                return outs;
            }
            w.attempts++;
            this.reportWaiting(ctx, w);
            const delay = Math.min(
                backoffDelay(w.attempts - 1, backoff),
                w.deadline - this.clock.now(),
            );
            if (delay > 0) {
                await this.clock.sleep(delay);
            }
        }
    }

    /** Reads the Secret: a new kubeconfig becomes the target, a deleted Secret drops it. */
    private async readTarget(ctx: Ctx, w: WaitState): Promise<void> {
        const b = budget(w, this.clock.now());
        const found = await lookupSecret(ctx, b.timeoutMs);
        if (found.kind === "found") {
            // No target: the Secret was gone, and may come back with the same content.
            if (found.kubeconfig !== w.kubeconfig || !w.target) {
                w.mismatch = undefined;
                w.kubeconfig = found.kubeconfig;
                try {
                    w.target = workloadTarget(ctx, w.kubeconfig);
                    w.targetTls = tlsOf(w.target);
                } catch (e) {
                    throw Object.assign(e as Error, { workloadKubeconfig: w.kubeconfig });
                }
                w.endpoint = `${w.target.server}/readyz`;
            }
            w.recheckSecret = false;
        } else if (!w.target || found.notFound) {
            // A failed re-check keeps probing with what we have; a deleted Secret does not.
            w.target = undefined;
            note(w, found.state, b.clipped);
        }
    }

    /**
     * Probes /readyz once, if there is a target: the outputs on 200, else undefined. Throws once
     * a certificate mismatch is confirmed.
     */
    private async probeReadyz(ctx: Ctx, w: WaitState): Promise<ApiServerReadyOutputs | undefined> {
        const { target, targetTls, kubeconfig } = w;
        if (!target || !targetTls || !kubeconfig) {
            return undefined;
        }
        const b = budget(w, this.clock.now());
        try {
            const res = await httpsGet({
                url: w.endpoint,
                secureContext: targetTls(),
                servername: target.tlsServerName,
                timeoutMs: b.timeoutMs,
                clock: this.clock,
            });
            w.mismatch = undefined;
            if (res.status === 200) {
                this.report(
                    `ApiServerReady ${ctx.label}: ${w.endpoint} is ready after ` +
                        `${Math.round((this.clock.now() - w.start) / 1000)}s`,
                    [kubeconfig],
                );
                return outputsFor(ctx, kubeconfig, target);
            }
            note(w, `HTTP ${res.status}`, false);
        } catch (e) {
            const state = describeRequestError(e);
            note(w, state, b.clipped);
            w.recheckSecret = isTlsVerifyError(e);
            // Like note(): a probe cut short by the deadline neither ends nor extends a run.
            if (!cutByDeadline(state, b.clipped)) {
                w.mismatch = trackMismatch(w.mismatch, e, ctx, target, this.clock.now());
            }
            const verdict = confirmedMismatch(
                w.mismatch,
                this.tlsMismatchGraceMs,
                this.clock.now(),
            );
            if (verdict) {
                throw Object.assign(new Error(`ApiServerReady ${ctx.label}: ${verdict}`), {
                    workloadKubeconfig: kubeconfig,
                });
            }
        }
        return undefined;
    }

    /** A progress line, at most every progressIntervalMs. */
    private reportWaiting(ctx: Ctx, w: WaitState): void {
        const t = this.clock.now();
        if (t - w.lastReport >= this.progressIntervalMs) {
            w.lastReport = t;
            this.report(
                `ApiServerReady ${ctx.label}: waiting for ${w.endpoint}; last state: ${w.last} ` +
                    `(attempt ${w.attempts}, ${Math.round((t - w.start) / 1000)}s elapsed, ` +
                    `${Math.max(0, Math.round((w.deadline - t) / 1000))}s left)`,
                [w.kubeconfig],
            );
        }
    }

    private report(line: string, extraSecrets: (string | undefined)[]): void {
        try {
            this.progress(redact(line, extraSecrets));
        } catch {
            // Progress is best effort and must never fail the wait.
        }
    }
}

// One instance for every resource: the SDK caches a provider's serialized closure per instance,
// so a region of N clusters serializes it once instead of N times.
const sharedProvider = new ApiServerReadyProvider();

/** Arguments of ApiServerReady. */
export interface ApiServerReadyArgs {
    /** CAPI Cluster name; the Secret read is `<clusterName>-kubeconfig`. Changing it replaces. */
    readonly clusterName: pulumi.Input<string>;
    /** Namespace of the CAPI Cluster on the management cluster. Changing it replaces. */
    readonly namespace: pulumi.Input<string>;
    /**
     * Kubeconfig YAML of the management cluster (current context; token or client
     * certificate, embedded CA). Always stored as a secret.
     */
    readonly managementKubeconfig: pulumi.Input<string>;
    /** Overall deadline of create/update. customTimeouts do not reach dynamic providers. Default 1800. */
    readonly timeoutSeconds?: pulumi.Input<number>;
    /** First retry delay. Default 1. */
    readonly pollIntervalSeconds?: pulumi.Input<number>;
    /** Retry delay cap. Default 5. */
    readonly maxPollIntervalSeconds?: pulumi.Input<number>;
}

/**
 * Waits for the workload cluster's API server to be ready and exposes how to reach it.
 * Token: pulumi-nodejs:dynamic/fleet:ApiServerReady (`types.ApiServerReady`).
 */
export class ApiServerReady extends pulumi.dynamic.Resource {
    declare public readonly clusterName: pulumi.Output<string>;
    declare public readonly namespace: pulumi.Output<string>;
    declare public readonly server: pulumi.Output<string>;
    declare public readonly caData: pulumi.Output<string>;
    /** Secret. */
    declare public readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: ApiServerReadyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            sharedProvider,
            name,
            {
                clusterName: args.clusterName,
                namespace: args.namespace,
                managementKubeconfig: pulumi.secret(args.managementKubeconfig),
                timeoutSeconds: args.timeoutSeconds,
                pollIntervalSeconds: args.pollIntervalSeconds,
                maxPollIntervalSeconds: args.maxPollIntervalSeconds,
                server: undefined,
                caData: undefined,
                kubeconfig: undefined,
            },
            pulumi.mergeOptions(opts, { additionalSecretOutputs: SECRET_OUTPUTS }),
            DYNAMIC_MODULE,
            "ApiServerReady",
        );
    }
}
