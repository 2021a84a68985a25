// Parses a kubeconfig (current context) into what an HTTPS client needs: server, CA and auth.
// Pure and free of Pulumi imports: dynamic providers serialize this module by value, and
// js-yaml is imported by name so the serializer captures it as require("js-yaml").
import { load } from "js-yaml";

/** Credentials of the kubeconfig user. Both may be set: kubectl then sends the token over mTLS. */
export interface KubeconfigAuth {
    /** Bearer token (`users[].user.token`). */
    readonly token?: string;
    /** Client certificate and key as PEM (`client-certificate-data`, `client-key-data`). */
    readonly certPem?: string;
    readonly keyPem?: string;
}

export interface KubeconfigTarget {
    /** The context used: `current-context`, or the only context. */
    readonly contextName: string;
    /** The name of the `clusters[]` entry the context points at. */
    readonly clusterEntry: string;
    /** `https://host:port[/prefix]` without a trailing slash. */
    readonly server: string;
    /** `certificate-authority-data` as written (base64 of PEM); undefined means system roots. */
    readonly caData?: string;
    readonly caPem?: string;
    /** `tls-server-name`: the name to verify the server certificate against. */
    readonly tlsServerName?: string;
    readonly auth: KubeconfigAuth;
}

/** A kubeconfig that cannot be used. The message names the field and never contains values. */
export class KubeconfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubeconfigError";
    }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function optString(o: Obj, key: string, where: string, what: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null || v === "") {
        return undefined;
    }
    if (typeof v !== "string") {
        throw new KubeconfigError(`${what}: ${where}.${key} must be a string`);
    }
    return v;
}

function decodePem(b64: string, field: string, marker: RegExp, what: string): string {
    const compact = b64.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
        throw new KubeconfigError(`${what}: ${field} is not valid base64`);
    }
    const pem = Buffer.from(compact, "base64").toString("utf8");
    if (!marker.test(pem)) {
        throw new KubeconfigError(`${what}: ${field} does not decode to a PEM block`);
    }
    return pem;
}

function findNamed(list: unknown, name: string, section: string, what: string): Obj {
    if (!Array.isArray(list)) {
        throw new KubeconfigError(`${what}: "${section}" must be a list`);
    }
    for (const item of list) {
        if (isObj(item) && item.name === name) {
            return item;
        }
    }
    throw new KubeconfigError(`${what}: no ${section} entry named "${name}"`);
}

const FILE_FIELDS: Record<string, string> = {
    "certificate-authority": "certificate-authority-data",
    "client-certificate": "client-certificate-data",
    "client-key": "client-key-data",
    tokenFile: "token",
};

const FLATTEN_HINT = "embed the data with `kubectl config view --raw --flatten --minify`";

/** Refuses user fields the provider cannot act on: plugins, basic auth, file references. */
function rejectUnsupportedAuth(user: Obj, where: string, what: string): void {
    for (const key of ["exec", "auth-provider"]) {
        if (user[key] !== undefined && user[key] !== null) {
            throw new KubeconfigError(
                `${what}: ${where}.${key} is not supported (the provider cannot run credential ` +
                    `plugins); use a ServiceAccount token or client-certificate-data instead`,
            );
        }
    }
    if (user.username !== undefined || user.password !== undefined) {
        throw new KubeconfigError(
            `${what}: ${where}.username/password (basic auth) is not supported; use a token or ` +
                `client-certificate-data`,
        );
    }
    for (const [file, data] of Object.entries(FILE_FIELDS)) {
        if (user[file] !== undefined && user[data] === undefined) {
            throw new KubeconfigError(
                `${what}: ${where}.${file} refers to a file, which the provider cannot read; ` +
                    FLATTEN_HINT,
            );
        }
    }
}

function parseAuth(user: Obj, where: string, what: string): KubeconfigAuth {
    rejectUnsupportedAuth(user, where, what);
    const token = optString(user, "token", where, what);
    const certData = optString(user, "client-certificate-data", where, what);
    const keyData = optString(user, "client-key-data", where, what);
    if ((certData === undefined) !== (keyData === undefined)) {
        throw new KubeconfigError(
            `${what}: ${where} needs both client-certificate-data and client-key-data, or neither`,
        );
    }
    const auth: { token?: string; certPem?: string; keyPem?: string } = {};
    if (token !== undefined) {
        auth.token = token.trim();
    }
    if (certData !== undefined && keyData !== undefined) {
        auth.certPem = decodePem(
            certData,
            `${where}.client-certificate-data`,
            /-----BEGIN CERTIFICATE-----/,
            what,
        );
        auth.keyPem = decodePem(
            keyData,
            `${where}.client-key-data`,
            /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
            what,
        );
    }
    return auth;
}

/** The YAML document as a mapping. */
function loadDocument(text: string, what: string): Obj {
    if (typeof text !== "string" || text.trim() === "") {
        throw new KubeconfigError(`${what} is empty; pass the kubeconfig YAML text`);
    }
    let doc: unknown;
    try {
        doc = load(text);
    } catch (e) {
        // YAMLException.message quotes the offending source line, which may hold a key.
        const err = e as { reason?: string; mark?: { line?: number } };
        const line = typeof err.mark?.line === "number" ? ` at line ${err.mark.line + 1}` : "";
        throw new KubeconfigError(
            `${what} is not valid YAML${line}: ${err.reason ?? "parse error"}`,
        );
    }
    if (!isObj(doc)) {
        throw new KubeconfigError(`${what} must be a YAML mapping (apiVersion: v1, kind: Config)`);
    }
    return doc;
}

/** `current-context`, or the name of the only context. */
function currentContextName(doc: Obj, what: string): string {
    const contexts = Array.isArray(doc.contexts) ? doc.contexts : [];
    const current = typeof doc["current-context"] === "string" ? doc["current-context"] : "";
    if (current !== "") {
        return current;
    }
    if (contexts.length !== 1 || !isObj(contexts[0]) || typeof contexts[0].name !== "string") {
        throw new KubeconfigError(
            `${what}: current-context is not set and there is not exactly one context; ` +
                `set current-context`,
        );
    }
    return contexts[0].name;
}

/** `server` as an https URL, normalized to `https://host:port[/prefix]`. */
function serverOf(cluster: Obj, cwhere: string, what: string): string {
    const rawServer = optString(cluster, "server", cwhere, what);
    if (rawServer === undefined) {
        throw new KubeconfigError(`${what}: ${cwhere}.server is not set`);
    }
    let url: URL;
    try {
        url = new URL(rawServer);
    } catch {
        throw new KubeconfigError(`${what}: ${cwhere}.server is not a valid URL`);
    }
    if (url.protocol !== "https:") {
        throw new KubeconfigError(`${what}: ${cwhere}.server must use https://`);
    }
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

/** How the server is verified: the embedded CA and server name; never skipped. */
function clusterTrust(
    cluster: Obj,
    cwhere: string,
    what: string,
): Pick<KubeconfigTarget, "caData" | "caPem" | "tlsServerName"> {
    if (cluster["insecure-skip-tls-verify"] === true) {
        throw new KubeconfigError(
            `${what}: ${cwhere}.insecure-skip-tls-verify is not allowed; set ` +
                `certificate-authority-data to the cluster CA`,
        );
    }
    if (
        cluster["certificate-authority"] !== undefined &&
        cluster["certificate-authority-data"] === undefined
    ) {
        throw new KubeconfigError(
            `${what}: ${cwhere}.certificate-authority refers to a file, which the provider ` +
                `cannot read; ${FLATTEN_HINT}`,
        );
    }
    const caRaw = optString(cluster, "certificate-authority-data", cwhere, what);
    const caData = caRaw?.replace(/\s+/g, "");
    const caPem =
        caData === undefined
            ? undefined
            : decodePem(
                  caData,
                  `${cwhere}.certificate-authority-data`,
                  /-----BEGIN CERTIFICATE-----/,
                  what,
              );
    const tlsServerName = optString(cluster, "tls-server-name", cwhere, what);
    return { caData, caPem, tlsServerName };
}

/**
 * Parses kubeconfig YAML and resolves its current context (or its only context).
 * `what` names the kubeconfig in error messages, e.g. "managementKubeconfig".
 * Errors never quote the document: YAML errors report only the reason and line.
 */
export function parseKubeconfig(text: string, what = "kubeconfig"): KubeconfigTarget {
    const doc = loadDocument(text, what);
    const contextName = currentContextName(doc, what);
    const ctxEntry = findNamed(doc.contexts, contextName, "contexts", what);
    const ctx = isObj(ctxEntry.context) ? ctxEntry.context : {};
    const clusterEntry = optString(ctx, "cluster", `contexts[${contextName}].context`, what);
    if (clusterEntry === undefined) {
        throw new KubeconfigError(`${what}: contexts[${contextName}].context.cluster is not set`);
    }
    const clusterItem = findNamed(doc.clusters, clusterEntry, "clusters", what);
    const cluster = isObj(clusterItem.cluster) ? clusterItem.cluster : {};
    const cwhere = `clusters[${clusterEntry}].cluster`;
    const server = serverOf(cluster, cwhere, what);
    const { caData, caPem, tlsServerName } = clusterTrust(cluster, cwhere, what);

    const userName = optString(ctx, "user", `contexts[${contextName}].context`, what);
    let auth: KubeconfigAuth = {};
    if (userName !== undefined) {
        const userItem = findNamed(doc.users, userName, "users", what);
        const user = isObj(userItem.user) ? userItem.user : {};
        auth = parseAuth(user, `users[${userName}].user`, what);
    }
    return { contextName, clusterEntry, server, caData, caPem, tlsServerName, auth };
}
