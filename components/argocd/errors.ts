// Typed errors for the Argo CD API client and the sync provider. Every message is built once, here,
// and passed through redact() so tokens and credentials never reach Pulumi's output.
// Kept free of Pulumi imports: dynamic providers serialize this module by value.
import { redact } from "../providers/redact";

/** gRPC status names (grpc-gateway puts the number in the error body's `code`). */
export const GRPC_CODE_NAMES: Readonly<Record<number, string>> = {
    0: "OK",
    1: "Canceled",
    2: "Unknown",
    3: "InvalidArgument",
    4: "DeadlineExceeded",
    5: "NotFound",
    6: "AlreadyExists",
    7: "PermissionDenied",
    8: "ResourceExhausted",
    9: "FailedPrecondition",
    10: "Aborted",
    11: "OutOfRange",
    12: "Unimplemented",
    13: "Internal",
    14: "Unavailable",
    15: "DataLoss",
    16: "Unauthenticated",
};

export type ArgoCdApiErrorReason =
    | "unauthenticated"
    | "permission-denied"
    | "sync-window"
    | "not-found"
    | "operation-in-progress"
    | "app-deleting"
    | "invalid-request"
    | "conflict"
    | "unavailable"
    | "internal"
    | "network"
    | "tls"
    | "timeout"
    /** A 2xx answer that is not JSON: a proxy, a login page or a wrong URL. */
    | "invalid-response"
    | "unexpected";

/** The RBAC triple a call needs, so a 403 can say exactly which policy line is missing. */
export interface RbacTarget {
    readonly resource: string;
    readonly action: string;
    readonly object: string;
    /** Object pattern for the suggested policy.csv line (defaults to `object`). */
    readonly policyObject?: string;
}

export interface ArgoCdApiErrorDetails {
    /** Operation name, e.g. "GET /api/v1/applications/{name}" plus the identifiers involved. */
    readonly operation: string;
    /** Argo CD base URL. */
    readonly argoUrl: string;
    /** Argo CD account the token belongs to. */
    readonly account: string;
    readonly httpStatus?: number;
    readonly grpcCode?: number;
    /** The server's `message` (or the network error text). */
    readonly argoMessage: string;
    readonly attempts: number;
    readonly rbac?: RbacTarget;
    /** Overrides the reason derived from status and message (network, TLS, timeout). */
    readonly reason?: ArgoCdApiErrorReason;
}

/** Default length of server text (non-JSON bodies) kept in a message. */
export const MAX_SERVER_TEXT = 300;

/**
 * Server text made fit for an error message: an HTML page reduced to its text, whitespace and
 * control characters collapsed, and the rest beyond `max` counted instead of shown. Redact first:
 * a cut can split a secret so that redact() no longer recognizes it.
 */
export function serverText(text: string, max = MAX_SERVER_TEXT): string {
    let t = text;
    const html = /^\s*<(!doctype|html|head|body|\?xml)/i.test(t) || /<\/(html|body)>/i.test(t);
    if (html) {
        t = t
            .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, " ")
            .replace(/<!--[\s\S]*?-->/g, " ")
            .replace(/<[^>]*>/g, " ")
            .replace(/&nbsp;/g, " ")
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&quot;/g, '"')
            .replace(/&#39;/g, "'")
            .replace(/&amp;/g, "&");
    }
    t = t.replace(/[\u0000-\u001f\u007f\s]+/g, " ").trim();
    if (t.length > max) {
        t = `${t.slice(0, max)}… (${t.length - max} more characters)`;
    }
    return html ? `HTML page: ${t || "(no text)"}` : t;
}

const IN_PROGRESS = /another operation is already in progress/i;
const CLUSTER_CREDS = /^(error getting server version|failed to get server version)/i;

/** Classifies an HTTP status, gRPC code and message as the notes' error table does. */
export function classifyArgoCdError(
    httpStatus: number | undefined,
    grpcCode: number | undefined,
    message: string,
): ArgoCdApiErrorReason {
    if (httpStatus === 401 || grpcCode === 16) {
        return "unauthenticated";
    }
    if (httpStatus === 403 || grpcCode === 7) {
        return /blocked by sync window/i.test(message) ? "sync-window" : "permission-denied";
    }
    if (httpStatus === 404 || grpcCode === 5) {
        return "not-found";
    }
    if (IN_PROGRESS.test(message)) {
        return "operation-in-progress";
    }
    if (/application is deleting/i.test(message)) {
        return "app-deleting";
    }
    if (httpStatus === 409 || grpcCode === 6 || grpcCode === 10) {
        return "conflict";
    }
    if (httpStatus === 400 || grpcCode === 3 || grpcCode === 9) {
        return "invalid-request";
    }
    if (
        httpStatus === 429 ||
        httpStatus === 502 ||
        httpStatus === 503 ||
        httpStatus === 504 ||
        grpcCode === 4 ||
        grpcCode === 8 ||
        grpcCode === 14
    ) {
        return "unavailable";
    }
    if (httpStatus !== undefined && httpStatus >= 500) {
        return "internal";
    }
    return "unexpected";
}

/** A call that changes nothing (operation names start with the HTTP method). */
function readOnly(d: ArgoCdApiErrorDetails): boolean {
    return /^(GET|HEAD) /.test(d.operation);
}

function hintFor(reason: ArgoCdApiErrorReason, d: ArgoCdApiErrorDetails): string {
    switch (reason) {
        case "unauthenticated":
            if (CLUSTER_CREDS.test(d.argoMessage)) {
                return (
                    "Argo CD could not reach the workload cluster with the supplied credentials " +
                    "(check its CA, certificate SANs, token, and that the API is reachable from the Argo CD network)"
                );
            }
            return (
                `the token of account ${d.account} is expired, revoked or invalid; regenerate it with ` +
                `\`argocd account generate-token --account ${d.account}\` and store it with ` +
                "`pulumi config set --secret cluster-fleet:argocdToken <token>`"
            );
        case "permission-denied": {
            if (CLUSTER_CREDS.test(d.argoMessage)) {
                return "Argo CD was refused by the workload cluster: the cluster credentials lack permissions";
            }
            if (!d.rbac) {
                return `account ${d.account} lacks the permission for this call`;
            }
            const obj = d.rbac.policyObject ?? d.rbac.object;
            return (
                `account ${d.account} lacks \`${d.rbac.resource}, ${d.rbac.action}\` on \`${d.rbac.object}\`; ` +
                `add to argocd-rbac-cm policy.csv: \`p, role:${d.account}, ${d.rbac.resource}, ${d.rbac.action}, ${obj}, allow\` ` +
                `and \`g, ${d.account}, role:${d.account}\``
            );
        }
        case "sync-window":
            return "a sync window of the AppProject blocks syncs now; wait for it to reopen or adjust the window";
        case "unavailable":
        case "internal":
        case "network":
            return (
                `Argo CD API unreachable or failing after ${d.attempts} attempt(s), ` +
                (readOnly(d)
                    ? "no change made by this call"
                    : "so it is unknown whether an attempt took effect before failing")
            );
        case "tls":
            return "the Argo CD server certificate is not trusted; set the region's Argo CD CA (argocd.caCert)";
        case "timeout":
            return `no answer within the request timeout after ${d.attempts} attempt(s)`;
        case "invalid-response":
            return (
                "the answer is not Argo CD API JSON: check that the URL is the Argo CD server " +
                "(with its --rootpath) and that no proxy or SSO gateway rewrites /api responses" +
                (readOnly(d) ? "" : "; the request reached a server, so it may have taken effect")
            );
        default:
            return "";
    }
}

// Errors are plain Error objects with extra fields, made by factories: Pulumi's closure
// serializer rewrites classes into functions, and a serialized `class X extends Error` loses
// its message and its Error prototype. Check them with isArgoCdApiError/isArgoCdSyncError.

/** An Argo CD REST call that failed; the message is redacted and self-explanatory. */
export interface ArgoCdApiError extends Error {
    readonly name: "ArgoCdApiError";
    readonly reason: ArgoCdApiErrorReason;
    readonly operation: string;
    readonly argoUrl: string;
    readonly httpStatus?: number;
    readonly grpcCode?: number;
    /** The server's message, redacted. */
    readonly argoMessage: string;
    readonly attempts: number;
}

export function argoCdApiError(
    details: ArgoCdApiErrorDetails,
    secrets: readonly string[] = [],
): ArgoCdApiError {
    const reason =
        details.reason ??
        classifyArgoCdError(details.httpStatus, details.grpcCode, details.argoMessage);
    const status =
        details.httpStatus !== undefined
            ? `HTTP ${details.httpStatus}` +
              (details.grpcCode !== undefined
                  ? ` (gRPC ${details.grpcCode} ${GRPC_CODE_NAMES[details.grpcCode] ?? "?"})`
                  : "")
            : reason;
    const hint = hintFor(reason, details);
    const text =
        `Argo CD ${details.operation} at ${details.argoUrl} failed: ${status}: ` +
        `${details.argoMessage}` +
        (hint ? `; ${hint}` : "");
    const e = new Error(redact(text, secrets));
    return Object.assign(e, {
        name: "ArgoCdApiError" as const,
        reason,
        operation: details.operation,
        argoUrl: details.argoUrl,
        httpStatus: details.httpStatus,
        grpcCode: details.grpcCode,
        argoMessage: redact(details.argoMessage, secrets),
        attempts: details.attempts,
    });
}

export function isArgoCdApiError(e: unknown): e is ArgoCdApiError {
    return e instanceof Error && e.name === "ArgoCdApiError" && "reason" in e;
}

export type ArgoCdSyncErrorReason =
    | "cluster-missing"
    | "cluster-failed"
    | "cluster-not-ready"
    | "app-not-visible"
    | "foreign-operation"
    | "sync-failed"
    | "timeout";

/** The sync provider's own failures (Argo CD answered, but the outcome is not what we need). */
export interface ArgoCdSyncError extends Error {
    readonly name: "ArgoCdSyncError";
    readonly reason: ArgoCdSyncErrorReason;
}

export function argoCdSyncError(
    reason: ArgoCdSyncErrorReason,
    message: string,
    secrets: readonly string[] = [],
): ArgoCdSyncError {
    return Object.assign(new Error(redact(message, secrets)), {
        name: "ArgoCdSyncError" as const,
        reason,
    });
}

export function isArgoCdSyncError(e: unknown): e is ArgoCdSyncError {
    return e instanceof Error && e.name === "ArgoCdSyncError" && "reason" in e;
}
