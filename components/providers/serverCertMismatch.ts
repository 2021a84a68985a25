// Explains why a workload API server's certificate failed verification against the cluster CA
// from its kubeconfig, with a fix that fits the cause. Waiting does not cure these, so the
// readiness wait reports them instead of "raise timeoutSeconds".
// Free of Pulumi imports: dynamic providers serialize this module by value.
import { X509Certificate } from "node:crypto";
import { hostOf, isTlsVerifyError } from "./httpsProbe";

export interface CertMismatchContext {
    /** API server URL from the kubeconfig (the control-plane endpoint, i.e. the VIP). */
    readonly server: string;
    /** The cluster CA (PEM) the certificate was verified against. */
    readonly caPem?: string;
    /** Name verified instead of the URL host (kubeconfig tls-server-name). */
    readonly tlsServerName?: string;
    /** Where the CA came from, e.g. "Secret fleet-eu1/c1-kubeconfig". */
    readonly caSource: string;
}

function subjectOf(pem: string | undefined): string {
    try {
        return pem ? new X509Certificate(pem).subject.split("\n").join(", ") : "(none)";
    } catch {
        return "(unreadable)";
    }
}

/**
 * A sentence naming what is wrong with the certificate the server at `ctx.server` presented and
 * what to check, or undefined when `err` is not a certificate failure of that kind.
 */
export function explainCertMismatch(err: unknown, ctx: CertMismatchContext): string | undefined {
    const e = err as { code?: unknown; cert?: { subjectaltname?: unknown } };
    const code = typeof e?.code === "string" ? e.code : "";
    const url = new URL(ctx.server);
    const host = hostOf(url);
    const port = url.port || "443";
    const name = ctx.tlsServerName ?? host;
    const presented = `the API server at ${ctx.server} (control-plane endpoint / VIP ${host})`;
    const ca = `the cluster CA (${subjectOf(ctx.caPem)}) from ${ctx.caSource}`;
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
        const sans = typeof e.cert?.subjectaltname === "string" ? e.cert.subjectaltname : "none";
        return (
            `${presented} presented a certificate signed by ${ca} but not issued for ${name} ` +
            `(its SANs: ${sans}). The VIP must be among the API server certificate's SANs: check ` +
            `controlPlaneEndpoint.host of the VSphereCluster and apiServer.certSANs of the ` +
            `KubeadmControlPlane.`
        );
    }
    if (code === "CERT_HAS_EXPIRED" || code === "CERT_NOT_YET_VALID") {
        const state = code === "CERT_HAS_EXPIRED" ? "has expired" : "is not valid yet";
        return (
            `${presented} presented a certificate that ${state} (${code}). Check the clocks ` +
            `(NTP) of the control-plane machines and of this machine, and the certificate ` +
            `rotation of the KubeadmControlPlane.`
        );
    }
    // Every other verification failure: the chain does not lead to the CA we trust.
    if (isTlsVerifyError(err)) {
        return (
            `${presented} presented a certificate that ${ca} does not verify (${code}). ` +
            `Either something else answers on ${host}:${port} (another cluster or machine holding ` +
            `the same VIP: check the IP plan and IPAM for duplicates), or the Secret's CA is not ` +
            `the one the control plane uses. Compare the issuer shown by \`openssl s_client ` +
            `-connect ${host}:${port} -showcerts\` with the kubeconfig CA.`
        );
    }
    return undefined;
}
