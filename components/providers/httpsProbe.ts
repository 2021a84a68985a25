// One HTTPS request with TLS verified against a given CA, and a short description of why one
// failed.
// Free of Pulumi imports and of captured agents: dynamic providers serialize this module by
// value, and node:https and node:tls are imported by name so the serializer captures require().
import type { IncomingMessage } from "node:http";
import { request, type RequestOptions } from "node:https";
import { createSecureContext, type SecureContext } from "node:tls";
import { systemClock, type Clock } from "./backoff";
import { isTlsVerifyCode } from "./tlsVerifyCodes";

/** What a request trusts and presents: the CA to verify the server with, and a client key. */
export interface TlsTrust {
    /** PEM CA bundle to verify the server against; undefined means Node's default roots. */
    readonly caPem?: string;
    /** Client certificate and key (PEM) for mTLS. */
    readonly certPem?: string;
    readonly keyPem?: string;
}

/**
 * The TLS context of `trust`, for `HttpsGetOptions.secureContext`. Build it once and reuse it:
 * otherwise every request builds one from the PEMs again (parsing the CA and the key).
 */
export function secureContextOf(trust: TlsTrust): SecureContext {
    return createSecureContext({ ca: trust.caPem, cert: trust.certPem, key: trust.keyPem });
}

/**
 * secureContextOf(trust), built on the first call and then reused. A build that throws (a PEM
 * that does not parse) is not kept: it throws again where a request would have failed.
 */
export function lazySecureContext(trust: TlsTrust): () => SecureContext {
    let built: SecureContext | undefined = undefined;
    return () => (built ??= secureContextOf(trust));
}

export interface HttpsGetOptions extends TlsTrust {
    /** Full URL, https only. */
    readonly url: string;
    /** Built by secureContextOf: then used instead of caPem, certPem and keyPem. */
    readonly secureContext?: SecureContext;
    /** Sent as `Authorization: Bearer <token>`. */
    readonly token?: string;
    /** Name to verify the server certificate against, when it differs from the URL host. */
    readonly servername?: string;
    /** Whole-request deadline in milliseconds. */
    readonly timeoutMs: number;
    /** Time source of timeoutMs. Default: the wall clock. */
    readonly clock?: Clock;
}

export interface HttpsRequestOptions extends HttpsGetOptions {
    /** HTTP method; GET when absent. */
    readonly method?: string;
    /** JSON-serialized into the request body. */
    readonly body?: unknown;
    /** Content type of `body` (default application/json). */
    readonly contentType?: string;
}

export interface HttpsResponse {
    readonly status: number;
    readonly body: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The URL's host as a socket takes it: an IPv6 literal without its brackets. */
export function hostOf(url: URL): string {
    return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** GET `url`; resolves with any HTTP status, rejects on network, TLS or timeout errors. */
export function httpsGet(opts: HttpsGetOptions): Promise<HttpsResponse> {
    return httpsRequest(opts);
}

/** Like httpsGet, with a method and an optional JSON body. */
export function httpsRequest(opts: HttpsRequestOptions): Promise<HttpsResponse> {
    return new Promise((resolve, reject) => {
        const url = new URL(opts.url);
        if (url.protocol !== "https:") {
            reject(new Error(`refusing non-https URL ${url.origin}`));
            return;
        }
        // Declared before the callbacks that use them (the closure serializer needs that order).
        const deadline = (opts.clock ?? systemClock).timeout(opts.timeoutMs);
        let req: ReturnType<typeof request> | undefined = undefined;
        const onDeadline = () => req?.destroy(timeoutError());
        const done = () => deadline.removeEventListener("abort", onDeadline);
        const fail = (e: Error) => {
            done();
            reject(e);
        };
        const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
        req = request(requestOptions(opts, url, payload), (res) =>
            readResponse(
                res,
                (e) => req?.destroy(e),
                (r) => {
                    done();
                    resolve(r);
                },
                fail,
            ),
        );
        // The whole request, connection included, ends at the deadline (no socket idle timer:
        // it would run on the wall clock and never fire first).
        deadline.addEventListener("abort", onDeadline, { once: true });
        req.on("error", fail);
        req.end(payload);
    });
}

/** Options of node:https request(): verified TLS, a fresh connection, JSON headers. */
function requestOptions(
    opts: HttpsRequestOptions,
    url: URL,
    payload: string | undefined,
): RequestOptions {
    const headers: Record<string, string | number> = { Accept: "application/json" };
    if (opts.token) {
        headers.Authorization = `Bearer ${opts.token}`;
    }
    if (payload !== undefined) {
        headers["Content-Type"] = opts.contentType ?? "application/json";
        headers["Content-Length"] = Buffer.byteLength(payload);
    }
    // tls.connect takes secureContext as is; https's option type does not list it.
    const trust: RequestOptions & { secureContext?: SecureContext } = opts.secureContext
        ? { secureContext: opts.secureContext }
        : { ca: opts.caPem, cert: opts.certPem, key: opts.keyPem };
    return {
        protocol: "https:",
        hostname: hostOf(url),
        port: url.port === "" ? 443 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: opts.method ?? "GET",
        headers,
        ...trust,
        servername: opts.servername,
        // A fresh connection per request: no agent outlives the call.
        agent: false,
        rejectUnauthorized: true,
    };
}

/** Collects the body (aborting past MAX_BODY_BYTES) and hands over the response or error. */
function readResponse(
    res: IncomingMessage,
    abort: (e: Error) => void,
    resolve: (r: HttpsResponse) => void,
    reject: (e: Error) => void,
): void {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY_BYTES) {
            abort(new Error(`response body exceeds ${MAX_BODY_BYTES} bytes`));
            return;
        }
        chunks.push(c);
    });
    res.on("end", () => {
        resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
        });
    });
    res.on("error", reject);
}

function timeoutError(): Error {
    return Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" });
}

/** True when `err` is a failed verification of the server certificate. */
export function isTlsVerifyError(err: unknown): boolean {
    return isTlsVerifyCode((err as { code?: unknown })?.code);
}

/**
 * Short, secret-free description of a failed request, e.g. "connection refused",
 * "TLS error: SELF_SIGNED_CERT_IN_CHAIN (self-signed certificate in certificate chain)".
 */
export function describeRequestError(err: unknown): string {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e?.code === "string" ? e.code : "";
    const message = typeof e?.message === "string" ? e.message : String(err);
    if (code === "ECONNREFUSED") {
        return "connection refused";
    }
    if (code === "ETIMEDOUT") {
        return "timeout";
    }
    if (code === "ECONNRESET") {
        return "connection reset";
    }
    if (code === "EHOSTUNREACH" || code === "ENETUNREACH") {
        return "host unreachable";
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
        return "DNS lookup failed";
    }
    if (
        isTlsVerifyCode(code) ||
        code.startsWith("ERR_SSL_") ||
        code.startsWith("ERR_TLS_") ||
        code === "EPROTO"
    ) {
        return `TLS error: ${code} (${message})`;
    }
    return code ? `network error: ${code} (${message})` : `network error: ${message}`;
}
