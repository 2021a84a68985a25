// Error codes of a server certificate that failed verification: OpenSSL X509_V_ERR names plus
// Node's own hostname check. Waiting or retrying cannot fix one, so both the readiness probe and
// the Argo CD client fail at once and point at the CA setting.
// An array, not a Set: a module-level Set does not survive closure serialization (the copy's
// Set.prototype.has throws "incompatible receiver").
export const TLS_VERIFY_CODES: readonly string[] = [
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "UNABLE_TO_GET_ISSUER_CERT",
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "SELF_SIGNED_CERT_IN_CHAIN",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
    "CERT_HAS_EXPIRED",
    "CERT_NOT_YET_VALID",
    "CERT_SIGNATURE_FAILURE",
    "CERT_UNTRUSTED",
    "CERT_REJECTED",
    "INVALID_CA",
    "ERR_TLS_CERT_ALTNAME_INVALID",
];

/** True when `code` (an error's `code`) names a failed verification of the server certificate. */
export function isTlsVerifyCode(code: unknown): boolean {
    return typeof code === "string" && TLS_VERIFY_CODES.includes(code);
}
