// The one wrapper around the Argo CD REST API: openapi-fetch typed on the generated `paths`, an
// undici Agent for a private CA, per-request timeouts, jittered retries on 429/5xx/network errors,
// gRPC-code error mapping and "403 may mean missing" handling (../shared/notes/argocd.md §1, §4, §9).
// Kept free of Pulumi imports and module-level handles: dynamic providers serialize it by value and
// create clients inside their methods. The one process-wide cache (TLS trust) hangs off globalThis,
// which the closure serializer never copies.
import * as tls from "node:tls";
import createClient, { type Client } from "openapi-fetch";
import { Agent, fetch as undiciFetch } from "undici";
import type { components, paths } from "./generated/argocd-api";
import { backoffDelay, systemClock, type Clock } from "../providers/backoff";
import { redact } from "../providers/redact";
import { isTlsVerifyCode } from "../providers/tlsVerifyCodes";
import {
    argoCdApiError,
    isArgoCdApiError,
    serverText,
    type ArgoCdApiError,
    type ArgoCdApiErrorDetails,
    type RbacTarget,
} from "./errors";

export type Application = components["schemas"]["v1alpha1Application"];
export type Cluster = components["schemas"]["v1alpha1Cluster"];
export type SyncRequest = components["schemas"]["applicationApplicationSyncRequest"];
export type RetryStrategy = components["schemas"]["v1alpha1RetryStrategy"];
export type ArgoCdApi = Client<paths>;

export interface RetryTuning {
    /** Attempts per call, first one included. */
    readonly maxAttempts: number;
    /** Attempts when the server answers 500 (Unknown/Internal): worth a few, not many. */
    readonly maxInternalErrorAttempts: number;
    readonly baseMs: number;
    readonly maxMs: number;
    /** No new attempt starts once this much time has passed since the first. */
    readonly maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryTuning = {
    maxAttempts: 6,
    maxInternalErrorAttempts: 3,
    baseMs: 1000,
    maxMs: 30_000,
    maxTotalMs: 300_000,
};

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ArgoCdClientOptions {
    /** Argo CD base URL, with the --rootpath prefix if any. */
    readonly url: string;
    /** Argo CD API token (a JWT). */
    readonly token: string;
    /**
     * PEM of the CA that signs the Argo CD server certificate: then the only trust anchor (like a
     * kubeconfig's certificate-authority-data). Absent: Node's default public roots.
     */
    readonly caPem?: string;
    /** Account the token belongs to, for error messages. */
    readonly account?: string;
    readonly requestTimeoutMs?: number;
    readonly retry?: Partial<RetryTuning>;
    /** Time source of retry delays and request timeouts. Default: the wall clock. */
    readonly clock?: Clock;
}

export interface ArgoCdClient {
    readonly url: string;
    readonly account: string;
    readonly api: ArgoCdApi;
    readonly requestTimeoutMs: number;
    readonly retry: RetryTuning;
    readonly clock: Clock;
    /** Values redacted from every error this client raises. */
    readonly secrets: readonly string[];
    /** Closes the connection pool; call when the provider method is done. */
    close(): Promise<void>;
}

/** Trims trailing slashes: Argo CD matches server URLs as exact strings. */
export function normalizeUrl(url: string): string {
    return url.trim().replace(/\/+$/, "");
}

/** The account name from an Argo CD JWT's `sub` ("pulumi-ci:apiKey" → "pulumi-ci"), if readable. */
export function accountFromToken(token: string): string | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) {
        return undefined;
    }
    try {
        const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as {
            sub?: unknown;
        };
        return typeof claims.sub === "string"
            ? claims.sub.replace(/:(apiKey|login)$/, "")
            : undefined;
    } catch {
        return undefined;
    }
}

// globalThis key of the per-process TLS trust cache (a string: symbols do not serialize).
const TRUST_CACHE_KEY = "__clusterFleetArgoCdTrust";
/** Distinct CAs kept; a stack has one Argo CD per region, so more means something is odd. */
const TRUST_CACHE_MAX = 32;

/**
 * The TLS trust for `caPem` (undefined: Node's default roots), built once per process and CA:
 * otherwise undici builds a SecureContext per new connection, on the event loop (with the system
 * roots added, 40-290 ms each). Kept on globalThis, not in a module variable: the closure
 * serializer would copy a module-level Map into a broken object.
 */
export function argoCdTrust(caPem: string | undefined): tls.SecureContext {
    const g = globalThis as { [TRUST_CACHE_KEY]?: Map<string, tls.SecureContext> };
    const cache = (g[TRUST_CACHE_KEY] ??= new Map());
    const key = caPem ?? "";
    let ctx = cache.get(key);
    if (!ctx) {
        ctx = tls.createSecureContext(caPem ? { ca: caPem } : {});
        if (cache.size >= TRUST_CACHE_MAX) {
            cache.delete(cache.keys().next().value as string);
        }
        cache.set(key, ctx);
    }
    return ctx;
}

// Name of the error checkedJson throws; duck-typed like the others (serialized copies).
const INVALID_BODY = "ArgoCdInvalidBody";

interface InvalidBody {
    readonly status: number;
    readonly contentType: string;
    readonly body: string;
}

/**
 * A 2xx answer must be JSON. It is read here so that a proxy's HTML page or a garbled body ends
 * as an "invalid-response" error with an excerpt, not as openapi-fetch's bare SyntaxError (which
 * would read as a network failure). Error answers pass through: callArgoCd reads them.
 * The body is parsed once, here: the returned Response hands openapi-fetch the parsed value.
 */
async function checkedJson(method: string, res: Response): Promise<Response> {
    if (!res.ok || res.status === 204 || method === "HEAD") {
        return res;
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.trim() !== "") {
        try {
            parsed = JSON.parse(text);
        } catch {
            const details: InvalidBody = {
                status: res.status,
                contentType: res.headers.get("content-type") ?? "",
                body: text,
            };
            throw Object.assign(new Error("response body is not JSON"), {
                name: INVALID_BODY,
                ...details,
            });
        }
    }
    // openapi-fetch calls json() when Content-Length is set, else text() and JSON.parse again;
    // so the length is set (the body may have come chunked) and json() returns `parsed`.
    const headers = new Headers(res.headers);
    headers.set("content-length", String(Buffer.byteLength(text)));
    const out = new Response(text, { status: res.status, statusText: res.statusText, headers });
    Object.defineProperty(out, "json", { value: async () => parsed });
    return out;
}

function invalidBody(e: unknown): InvalidBody | undefined {
    return e instanceof Error && e.name === INVALID_BODY ? (e as Error & InvalidBody) : undefined;
}

/** Creates a client with its own connection pool; TLS verification always stays on. */
export function createArgoCdClient(opts: ArgoCdClientOptions): ArgoCdClient {
    const url = normalizeUrl(opts.url);
    const agent = new Agent({ connect: { secureContext: argoCdTrust(opts.caPem || undefined) } });
    // openapi-fetch builds a global Request; re-issue it through undici's fetch with our dispatcher.
    const fetchWithCa = async (req: Request): Promise<Response> => {
        const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.text();
        const res = await undiciFetch(req.url, {
            method: req.method,
            headers: [...req.headers.entries()],
            body,
            signal: req.signal,
            dispatcher: agent,
        });
        return checkedJson(req.method, res as unknown as Response);
    };
    const api = createClient<paths>({
        baseUrl: url,
        fetch: fetchWithCa,
        headers: { Authorization: `Bearer ${opts.token}`, Accept: "application/json" },
    });
    return {
        url,
        account: opts.account ?? accountFromToken(opts.token) ?? "the token's account",
        api,
        requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        retry: { ...DEFAULT_RETRY, ...opts.retry },
        clock: opts.clock ?? systemClock,
        secrets: [opts.token],
        close: () => agent.close(),
    };
}

export interface CallSpec {
    /** Operation name for errors, e.g. "GET /api/v1/applications/{name} (argocd/cc-eu1-a)". */
    readonly operation: string;
    readonly rbac?: RbacTarget;
    readonly timeoutMs?: number;
    /** Caller's overall deadline: when it fires, no further attempt is made. */
    readonly signal?: AbortSignal;
}

interface RawResult<T> {
    data?: T;
    error?: unknown;
    response: Response;
}

function errorChain(e: unknown): { text: string; code?: string; tls: boolean } {
    const parts: string[] = [];
    let code: string | undefined;
    let cur: unknown = e;
    // Duck-typed: instanceof is unreliable across the provider's serialized copy.
    for (let i = 0; i < 4 && cur && typeof cur === "object" && "message" in cur; i++) {
        const {
            message,
            code: c,
            cause,
        } = cur as { message: unknown; code?: unknown; cause?: unknown };
        if (typeof c === "string") {
            code = code ?? c;
        }
        parts.push(typeof c === "string" ? `${String(message)} (${c})` : String(message));
        cur = cause;
    }
    return {
        text: parts.join(": ") || String(e),
        code,
        tls: isTlsVerifyCode(code),
    };
}

/** Argo CD's own messages (gRPC status) can list many resources; keep them, within reason. */
const MAX_MESSAGE_CHARS = 2000;

/** The error body's message, redacted and then cut to a readable length (a proxy's HTML page). */
function bodyMessage(
    error: unknown,
    secrets: readonly string[],
): { message: string; code?: number } {
    if (error && typeof error === "object") {
        const e = error as { message?: unknown; error?: unknown; code?: unknown };
        const text =
            typeof e.message === "string" && e.message
                ? e.message
                : typeof e.error === "string"
                  ? e.error
                  : JSON.stringify(error);
        return {
            message: serverText(redact(text, secrets), MAX_MESSAGE_CHARS),
            code: typeof e.code === "number" ? e.code : undefined,
        };
    }
    if (typeof error !== "string" || error.trim() === "") {
        return { message: "(empty body)" };
    }
    return { message: `body is not JSON: ${serverText(redact(error, secrets))}` };
}

function retryableStatus(status: number): "always" | "internal" | "never" {
    if (status === 429 || status === 502 || status === 503 || status === 504) {
        return "always";
    }
    return status === 500 ? "internal" : "never";
}

function retryAfterMs(res: Response): number | undefined {
    const v = res.headers.get("retry-after");
    const s = v ? Number(v) : NaN;
    return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

/** An attempt that failed: the error to throw when no retry follows, and how to retry. */
interface AttemptFailure {
    readonly error: ArgoCdApiError;
    /** Attempts allowed for this kind of failure, the first one included. */
    readonly limit: number;
    /** The server's Retry-After, in ms (0 without one). */
    readonly minDelay: number;
}

/**
 * Runs one API call with timeouts and retries. Returns the 2xx body, or throws ArgoCdApiError
 * (redacted) naming the operation, URL, HTTP status, gRPC code, message and attempt count.
 */
export async function callArgoCd<T>(
    client: ArgoCdClient,
    spec: CallSpec,
    send: (signal: AbortSignal) => Promise<RawResult<T>>,
): Promise<T> {
    const clock = client.clock;
    const started = clock.now();
    const r = client.retry;
    for (let attempt = 1; ; attempt++) {
        if (spec.signal?.aborted) {
            throw callError(client, spec, attempt - 1, {
                reason: "timeout",
                argoMessage: "the caller's deadline passed before the call could complete",
            });
        }
        const perRequest = clock.timeout(spec.timeoutMs ?? client.requestTimeoutMs);
        const signal = spec.signal ? AbortSignal.any([perRequest, spec.signal]) : perRequest;
        let failure: AttemptFailure;
        try {
            const res = await send(signal);
            if (res.response.ok) {
                return res.data as T;
            }
            failure = statusFailure(client, spec, attempt, res);
        } catch (e) {
            const error = requestFailure(client, spec, attempt, e, perRequest);
            failure = { error, limit: r.maxAttempts, minDelay: 0 };
        }
        const delay = Math.min(Math.max(backoffDelay(attempt - 1, r), failure.minDelay), r.maxMs);
        if (attempt >= failure.limit || clock.now() - started + delay > r.maxTotalMs) {
            throw failure.error;
        }
        try {
            await clock.sleep(delay, spec.signal);
        } catch {
            throw failure.error;
        }
    }
}

/** The error of attempt `attempts` of the call `spec`, redacted. */
function callError(
    client: ArgoCdClient,
    spec: CallSpec,
    attempts: number,
    extra: Partial<ArgoCdApiErrorDetails>,
): ArgoCdApiError {
    return argoCdApiError(
        {
            operation: spec.operation,
            argoUrl: client.url,
            account: client.account,
            argoMessage: "",
            attempts,
            rbac: spec.rbac,
            ...extra,
        },
        client.secrets,
    );
}

/** A non-2xx answer: thrown at once unless retryable (429, 5xx), with fewer tries for a 500. */
function statusFailure<T>(
    client: ArgoCdClient,
    spec: CallSpec,
    attempt: number,
    res: RawResult<T>,
): AttemptFailure {
    const { message, code } = bodyMessage(res.error, client.secrets);
    const error = callError(client, spec, attempt, {
        httpStatus: res.response.status,
        grpcCode: code,
        argoMessage: message,
    });
    const kind = retryableStatus(res.response.status);
    if (kind === "never") {
        throw error;
    }
    const r = client.retry;
    const limit =
        kind === "internal" ? Math.min(r.maxAttempts, r.maxInternalErrorAttempts) : r.maxAttempts;
    return { error, limit, minDelay: retryAfterMs(res.response) ?? 0 };
}

/**
 * A call that threw (network, TLS, timeouts, a body that is not JSON): the error to retry on,
 * or thrown at once when a retry cannot help. ArgoCdApiErrors pass through.
 */
function requestFailure(
    client: ArgoCdClient,
    spec: CallSpec,
    attempt: number,
    e: unknown,
    perRequest: AbortSignal,
): ArgoCdApiError {
    if (isArgoCdApiError(e)) {
        throw e;
    }
    const bad = invalidBody(e);
    if (bad) {
        // Not retried: a proxy's login page or a wrong URL answers the same way again.
        throw callError(client, spec, attempt, {
            reason: "invalid-response",
            httpStatus: bad.status,
            argoMessage:
                `body is not JSON (Content-Type ${bad.contentType || "absent"}): ` +
                serverText(redact(bad.body, client.secrets)),
        });
    }
    const chain = errorChain(e);
    const timedOut = perRequest.aborted && !spec.signal?.aborted;
    if (spec.signal?.aborted) {
        throw callError(client, spec, attempt, {
            reason: "timeout",
            argoMessage: "the caller's deadline passed",
        });
    }
    const error = callError(client, spec, attempt, {
        reason: timedOut ? "timeout" : chain.tls ? "tls" : "network",
        argoMessage: timedOut
            ? `no response within ${spec.timeoutMs ?? client.requestTimeoutMs} ms`
            : redact(chain.text, client.secrets),
    });
    if (chain.tls) {
        throw error;
    }
    return error;
}

// ---- Version ---------------------------------------------------------------------------------

/** GET /api/version: a cheap probe that also proves the token's TLS path works. */
export async function getVersion(client: ArgoCdClient, signal?: AbortSignal): Promise<string> {
    const data = await callArgoCd(client, { operation: "GET /api/version", signal }, (s) =>
        client.api.GET("/api/version", { signal: s }),
    );
    return data?.Version ?? "";
}

// ---- Clusters --------------------------------------------------------------------------------

/** GET /api/v1/clusters?server=|name=, filtered again on the client (servers before v2.8 ignore it). */
export async function listClusters(
    client: ArgoCdClient,
    query: { readonly server?: string; readonly name?: string },
    signal?: AbortSignal,
): Promise<Cluster[]> {
    const server = query.server !== undefined ? normalizeUrl(query.server) : undefined;
    const data = await callArgoCd(
        client,
        {
            operation: `GET /api/v1/clusters (${server ?? query.name ?? "all"})`,
            rbac: { resource: "clusters", action: "get", object: server ?? "*" },
            signal,
        },
        (s) =>
            client.api.GET("/api/v1/clusters", {
                params: { query: { server, name: query.name } },
                signal: s,
            }),
    );
    return (data?.items ?? []).filter(
        (c) =>
            (server === undefined || normalizeUrl(c.server ?? "") === server) &&
            (query.name === undefined || c.name === query.name),
    );
}

/**
 * The cluster registered under `server`, or undefined when Argo CD has none. The GET answers 403
 * for a missing cluster, so a 403 is settled with the list call: absent there means missing.
 */
export async function getClusterByServer(
    client: ArgoCdClient,
    server: string,
    signal?: AbortSignal,
): Promise<Cluster | undefined> {
    const url = normalizeUrl(server);
    try {
        return await callArgoCd(
            client,
            {
                operation: `GET /api/v1/clusters/{id.value} (${url})`,
                rbac: { resource: "clusters", action: "get", object: url },
                signal,
            },
            (s) =>
                client.api.GET("/api/v1/clusters/{id.value}", {
                    params: { path: { "id.value": url }, query: { "id.type": "server" } },
                    signal: s,
                }),
        );
    } catch (e) {
        if (!isArgoCdApiError(e) || e.reason !== "permission-denied") {
            throw e;
        }
        const found = await listClusters(client, { server: url }, signal);
        if (found.length === 0) {
            return undefined;
        }
        throw e;
    }
}

/** Connection state, from `info` or the deprecated top-level mirror. */
export function clusterConnectionState(c: Cluster): { status: string; message: string } {
    const cs = c.info?.connectionState ?? c.connectionState ?? {};
    return { status: cs.status ?? "", message: cs.message ?? "" };
}

// ---- Applications ----------------------------------------------------------------------------

export interface AppRef {
    readonly name: string;
    readonly project: string;
    /** Namespace the Application lives in (Argo CD's own namespace for cluster-config). */
    readonly appNamespace?: string;
}

function appRbac(ref: AppRef, action: string): RbacTarget {
    return {
        resource: "applications",
        action,
        object: `${ref.project}/${ref.name}`,
        policyObject: `${ref.project}/*`,
    };
}

function appLabel(ref: AppRef): string {
    return `${ref.appNamespace ? ref.appNamespace + "/" : ""}${ref.name}, project ${ref.project}`;
}

/**
 * GET /api/v1/applications/{name}?project=P: always with the project, so a missing app is a 404
 * (returned as undefined) and a 403 is RBAC. `refresh` blocks until the controller has compared,
 * so it gets a longer timeout.
 */
export async function getApplication(
    client: ArgoCdClient,
    ref: AppRef,
    opts: { readonly refresh?: "normal" | "hard"; readonly signal?: AbortSignal } = {},
): Promise<Application | undefined> {
    try {
        return await callArgoCd(
            client,
            {
                operation: `GET /api/v1/applications/{name} (${appLabel(ref)})`,
                rbac: appRbac(ref, "get"),
                timeoutMs: opts.refresh
                    ? Math.max(client.requestTimeoutMs, 60_000)
                    : client.requestTimeoutMs,
                signal: opts.signal,
            },
            (s) =>
                client.api.GET("/api/v1/applications/{name}", {
                    params: {
                        path: { name: ref.name },
                        query: {
                            project: [ref.project],
                            appNamespace: ref.appNamespace,
                            refresh: opts.refresh,
                        },
                    },
                    signal: s,
                }),
        );
    } catch (e) {
        if (isArgoCdApiError(e) && e.reason === "not-found") {
            return undefined;
        }
        throw e;
    }
}

/**
 * POST /api/v1/applications/{name}/sync. Returns the app with `operation` set. A 400 "another
 * operation is already in progress" is thrown as reason "operation-in-progress" for the caller
 * to resolve; it is never retried here.
 */
export async function syncApplication(
    client: ArgoCdClient,
    ref: AppRef,
    request: Omit<SyncRequest, "name" | "project" | "appNamespace">,
    signal?: AbortSignal,
): Promise<Application> {
    const data = await callArgoCd(
        client,
        {
            operation: `POST /api/v1/applications/{name}/sync (${appLabel(ref)})`,
            rbac: appRbac(ref, "sync"),
            signal,
        },
        (s) =>
            client.api.POST("/api/v1/applications/{name}/sync", {
                params: { path: { name: ref.name } },
                body: {
                    ...request,
                    name: ref.name,
                    project: ref.project,
                    appNamespace: ref.appNamespace,
                },
                signal: s,
            }),
    );
    return data ?? {};
}

/**
 * DELETE /api/v1/applications/{name}/operation. Returns false when there was no operation to
 * terminate (400 "No operation is in progress").
 */
export async function terminateOperation(
    client: ArgoCdClient,
    ref: AppRef,
    signal?: AbortSignal,
): Promise<boolean> {
    try {
        await callArgoCd(
            client,
            {
                operation: `DELETE /api/v1/applications/{name}/operation (${appLabel(ref)})`,
                rbac: appRbac(ref, "sync"),
                signal,
            },
            (s) =>
                client.api.DELETE("/api/v1/applications/{name}/operation", {
                    params: {
                        path: { name: ref.name },
                        query: { project: ref.project, appNamespace: ref.appNamespace },
                    },
                    signal: s,
                }),
        );
        return true;
    } catch (e) {
        if (
            isArgoCdApiError(e) &&
            e.httpStatus === 400 &&
            /no operation is in progress/i.test(e.argoMessage)
        ) {
            return false;
        }
        throw e;
    }
}
