// Removes secret material from text before it reaches an error message or a log line.
// Kept free of Pulumi imports: dynamic providers serialize this module by value.

const REDACTED = "[redacted]";

// Shapes that are secret whatever their value: PEM private keys, JWTs, bearer headers,
// and kubeconfig/Argo CD credential fields.
const PATTERNS: RegExp[] = [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
    /(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi,
    /("?(?:bearerToken|password|token|keyData|client-key-data|client-certificate-data|certData)"?\s*[:=]\s*"?)[^",\s}]+/gi,
];

/**
 * Returns `text` with every known secret value (and its base64 form) and every
 * secret-shaped substring replaced by "[redacted]".
 */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
    let out = text;
    for (const s of secrets) {
        if (!s || s.length < 4) {
            continue;
        }
        for (const form of [s, Buffer.from(s, "utf8").toString("base64")]) {
            out = out.split(form).join(REDACTED);
        }
    }
    for (const re of PATTERNS) {
        out = out.replace(re, (_m, prefix?: string) =>
            typeof prefix === "string" ? prefix + REDACTED : REDACTED,
        );
    }
    return out;
}
