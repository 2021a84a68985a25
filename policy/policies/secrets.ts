// Credentials (vCenter, Argo CD, kubeconfigs, keys) live only in Kubernetes Secrets whose payload
// Pulumi treats as secret, never in plain CRs, Applications or labels.
//
// What a policy can see: validation policies get props with secrets already unwrapped to plain
// values (@pulumi/policy deserializes with proxySecrets=false), so the secret marker itself is not
// observable. Observable instead:
//  - a Secret's `additionalSecretOutputs` option: the typed k8s.core.v1.Secret class wraps data and
//    stringData in pulumi.secret and adds them there, so a payload field missing from it means the
//    Secret was not created through the path that keeps it encrypted in state;
//  - where credential-shaped keys and PEM private keys appear;
//  - VSphereCluster.identityRef, without which CAPV falls back to the manager's global account.
// Not observable (enforced by the program's config loader, which refuses plaintext config and wraps
// each value in pulumi.secret): whether the kubeconfig of a `pulumi:providers:kubernetes` or the
// vsphere provider password came from secret config, and the Argo CD token, which the dynamic
// provider reads in configure().
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { types } from "../../components/constants";
import { namespacedName } from "../lib/k8s";
import { readKnown, unknownAtPreview } from "../lib/known";

/** Keys whose string values are credentials wherever they appear. */
const CREDENTIAL_KEY =
    /^(password|passwd|token|bearertoken|apitoken|authtoken|accesstoken|argocdtoken|keydata|privatekey|clientkey|clientkeydata|client-key-data|secretkey|kubeconfig)$/i;

const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * Outputs that carry credentials and must be declared secret, by resource type. ApiServerReady
 * reads the workload kubeconfig (with its client key) from the management cluster; that output
 * derives from no input of the same name, so the engine would not mark it secret by itself.
 */
const SECRET_OUTPUTS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
    [types.ApiServerReady]: ["kubeconfig"],
};

/** Resources whose props are scanned: what ends up as plain objects in a cluster, or in state. */
function scanned(type: string): boolean {
    return (
        (type.startsWith("kubernetes:") && type !== types.Secret) ||
        type === types.ArgoCdAppSync ||
        type === types.ApiServerReady
    );
}

/**
 * Paths under `value` where a credential-shaped key holds a non-empty string, or a string holds a
 * PEM private key. Unknown values are skipped: they are checked again on `up`, when known.
 */
export function credentialPaths(value: unknown, path = ""): string[] {
    if (typeof value === "string") {
        return PRIVATE_KEY_PEM.test(value) ? [path || "."] : [];
    }
    if (value === null || typeof value !== "object") {
        return [];
    }
    const out: string[] = [];
    // Indices from the length: mapping over a proxied array would touch unknown elements.
    const entries = Array.isArray(value)
        ? Array.from({ length: value.length }, (_v, i) => [String(i), `${path}[${i}]`] as const)
        : Object.keys(value).map((k) => [k, `${path}.${k}`] as const);
    for (const [key, at] of entries) {
        if (!Array.isArray(value) && key === "__provider") {
            continue; // the dynamic provider's serialized code
        }
        const v = readKnown(() => (value as Record<string, unknown>)[key]);
        if (!v.known) {
            continue;
        }
        if (
            !Array.isArray(value) &&
            CREDENTIAL_KEY.test(key) &&
            typeof v.value === "string" &&
            v.value !== ""
        ) {
            out.push(at);
        } else {
            out.push(...credentialPaths(v.value, at));
        }
    }
    return out;
}

/** A Secret's payload is secret, and its metadata holds no credential. */
function checkSecret(args: ResourceValidationArgs, report: ReportViolation): void {
    const what = `Secret ${namespacedName(args.props)}`;
    const fields = ["data", "stringData"].filter((f) => {
        const set = readKnown(() => args.props[f] !== undefined && args.props[f] !== null);
        return !set.known || set.value; // unknown payload: it is there, just not known yet
    });
    const missing = fields.filter((f) => !args.opts.additionalSecretOutputs.includes(f));
    if (missing.length > 0) {
        report(
            `${what}: ${missing.join(" and ")} must be secret outputs. Create it with ` +
                `k8s.core.v1.Secret (which marks them) or add additionalSecretOutputs: ` +
                `${JSON.stringify(missing)}.`,
        );
    }
    const meta = readKnown(() => args.props.metadata as unknown);
    for (const p of credentialPaths(meta.known ? meta.value : undefined, ".metadata")) {
        report(`${what}: ${p} holds a credential; keep credentials in data/stringData.`);
    }
}

/** A VSphereCluster names its credentials, so CAPV does not fall back to its global account. */
function checkIdentityRef(args: ResourceValidationArgs, report: ReportViolation): void {
    const ref = readKnown(() => ({
        kind: args.props.spec?.identityRef?.kind as unknown,
        name: args.props.spec?.identityRef?.name as unknown,
    }));
    const what = `VSphereCluster ${namespacedName(args.props)}`;
    if (!ref.known) {
        report(`${what}: ${unknownAtPreview("spec.identityRef", ref.path)}`);
    } else if (
        !["Secret", "VSphereClusterIdentity"].includes(String(ref.value.kind)) ||
        typeof ref.value.name !== "string" ||
        ref.value.name === ""
    ) {
        report(
            `${what}: spec.identityRef must name the Secret (or VSphereClusterIdentity) ` +
                `holding the vCenter credentials; without it CAPV uses its global account.`,
        );
    }
}

/** Outputs that carry credentials are declared secret; scanned types hold none in plain inputs. */
function checkCredentialInputs(args: ResourceValidationArgs, report: ReportViolation): void {
    const required = SECRET_OUTPUTS_BY_TYPE[args.type] ?? [];
    const undeclared = required.filter((o) => !args.opts.additionalSecretOutputs.includes(o));
    if (undeclared.length > 0) {
        report(
            `${args.type} ${args.name}: outputs ${undeclared.join(", ")} carry credentials; ` +
                `declare them in additionalSecretOutputs.`,
        );
    }
    if (!scanned(args.type)) {
        return;
    }
    for (const p of credentialPaths(args.props)) {
        // Name the path only, never the value.
        report(
            `${args.type} ${args.name}: ${p} holds a credential in plain inputs. Put it in a ` +
                `k8s.core.v1.Secret and reference it, or (dynamic providers) read it from secret ` +
                `config in configure().`,
        );
    }
}

export const credentialsAsSecrets: ResourceValidationPolicy = {
    name: "credentials-as-secrets",
    description:
        "Credentials only in Kubernetes Secrets whose data/stringData Pulumi keeps secret; never in CRs, Applications, labels or dynamic-resource inputs; VSphereClusters name their credentials Secret.",
    severity: "critical",
    validateResource: (args, report) => {
        if (args.type === types.Secret) {
            checkSecret(args, report);
            return;
        }
        if (args.type === types.VSphereCluster) {
            checkIdentityRef(args, report);
        }
        checkCredentialInputs(args, report);
    },
};

export const secretPolicies = [credentialsAsSecrets];
