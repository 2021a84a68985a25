// Validates the region's `argocd` section: the Argo CD API and its CA, the repositories the
// cluster-config Applications use, and their sync retry and timeout.
import { X509Certificate } from "node:crypto";
import { TIGERA_OPERATOR_CHART_REPO, chartRepoProblem } from "../argocd/clusterConfigApp";
import { Checker, DURATION, REPO_URL } from "./checker";
import { ArgoRetryConfig, ArgocdConfig } from "./types";

const ARGOCD_KEYS = [
    "url",
    "namespace",
    "project",
    "account",
    "caCert",
    "repoURL",
    "targetRevision",
    "path",
    "tigeraOperatorVersion",
    "chartRepoURL",
    "retry",
    "syncTimeoutSeconds",
    "manageSync",
] as const;

export function parseArgocd(c: Checker, v: unknown): ArgocdConfig {
    const p = "argocd";
    const o = c.object(p, v, ARGOCD_KEYS);
    const url = parseArgocdUrl(c, `${p}.url`, o.url);
    const caCert = parseCaCert(c, `${p}.caCert`, o.caCert);
    // The retry objects are checked here and their values further down: the issues keep their order.
    const r = c.object(`${p}.retry`, o.retry, ["limit", "backoff"], true);
    const b = c.object(
        `${p}.retry.backoff`,
        r.backoff,
        ["duration", "factor", "maxDuration"],
        true,
    );
    const repoURL = parseRepoUrl(c, `${p}.repoURL`, o.repoURL);
    const chartRepoURL = parseChartRepoUrl(c, `${p}.chartRepoURL`, o.chartRepoURL);
    return {
        url: url.replace(/\/+$/, ""),
        namespace: c.dnsLabel(`${p}.namespace`, o.namespace ?? "argocd", 63),
        project: c.dnsLabel(`${p}.project`, o.project ?? "cluster-fleet", 63),
        account: c.string(`${p}.account`, o.account, "cluster-fleet"),
        caCert,
        repoURL,
        targetRevision: c.string(`${p}.targetRevision`, o.targetRevision, "main"),
        path: c.string(`${p}.path`, o.path, "cluster-config"),
        tigeraOperatorVersion: c.string(
            `${p}.tigeraOperatorVersion`,
            o.tigeraOperatorVersion,
            "v3.30.3",
        ),
        chartRepoURL: chartRepoURL.replace(/\/+$/, ""),
        retry: parseRetry(c, `${p}.retry`, r, b),
        syncTimeoutSeconds: c.integer(
            `${p}.syncTimeoutSeconds`,
            o.syncTimeoutSeconds,
            60,
            4 * 3600,
            1800,
        ),
        manageSync: c.boolean(`${p}.manageSync`, o.manageSync, true),
    };
}

function parseArgocdUrl(c: Checker, path: string, v: unknown): string {
    const url = c.string(path, v);
    if (url && (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(url) || !URL.canParse(url))) {
        c.fail(path, `"${url}" must be an https:// URL of the Argo CD API (TLS is never optional)`);
    }
    return url;
}

function parseCaCert(c: Checker, path: string, v: unknown): string | undefined {
    const caCert = c.optionalString(path, v);
    if (caCert && !isPemCertificate(caCert)) {
        c.fail(
            path,
            "must be the PEM certificate (-----BEGIN CERTIFICATE-----) of the CA that signs " +
                "Argo CD's server certificate; omit it to use the system roots",
        );
    }
    return caCert;
}

function parseRepoUrl(c: Checker, path: string, v: unknown): string {
    const repoURL = c.string(path, v);
    if (repoURL && !REPO_URL.test(repoURL)) {
        c.fail(path, `"${repoURL}" must be an https://, ssh:// or git@ URL of the git repository`);
    }
    return repoURL;
}

function parseChartRepoUrl(c: Checker, path: string, v: unknown): string {
    const chartRepoURL = c.string(path, v, TIGERA_OPERATOR_CHART_REPO);
    const chartProblem = chartRepoURL ? chartRepoProblem(chartRepoURL) : undefined;
    if (chartProblem) {
        c.fail(path, chartProblem);
    }
    return chartRepoURL;
}

/** The Applications' sync retry; `r` and `b` are argocd.retry and its backoff, already read. */
function parseRetry(
    c: Checker,
    p: string,
    r: Record<string, unknown>,
    b: Record<string, unknown>,
): ArgoRetryConfig {
    const duration = (k: string, d: string) => {
        const s = c.string(`${p}.backoff.${k}`, b[k], d);
        if (s && !DURATION.test(s)) {
            c.fail(`${p}.backoff.${k}`, `"${s}" must be a duration like "10s", "5m" or "1h"`);
        }
        return s;
    };
    return {
        limit: c.integer(`${p}.limit`, r.limit, 1, 100, 10),
        backoff: {
            duration: duration("duration", "10s"),
            factor: c.integer(`${p}.backoff.factor`, b.factor, 2, 10, 2),
            maxDuration: duration("maxDuration", "5m"),
        },
    };
}

function isPemCertificate(pem: string): boolean {
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) return false;
    try {
        new X509Certificate(pem);
        return true;
    } catch {
        return false;
    }
}
