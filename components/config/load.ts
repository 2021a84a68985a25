// Reads the stack's configuration from the Pulumi runtime and hands it to parseRegionConfig.
// The only place that touches pulumi.Config: everything else receives typed values.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../constants";
import { parseKubeconfig } from "../providers/kubeconfig";
import { redact } from "../providers/redact";
import { ConfigError, ConfigIssue } from "./checker";
import { ParsedRegion, SECRET_KEYS, parseRegionConfig } from "./parse";

export interface RegionSecrets {
    /** Admin kubeconfig of the region's management cluster. */
    readonly managementKubeconfig: pulumi.Output<string>;
    /** vCenter password for CAPV and the vSphere provider. */
    readonly vspherePassword: pulumi.Output<string>;
    /** SSH private key for the BGP routers' listen-range commands, if any router has ssh set. */
    readonly routerSshKey?: pulumi.Output<string>;
}

export interface LoadedRegion extends ParsedRegion {
    readonly secrets: RegionSecrets;
}

/** Whether the engine passed `key` as a secret (pulumi config set --secret). */
function isSecretConfig(fullKey: string): boolean {
    // runtime/config's isConfigSecret is internal (re-exported by pulumi.runtime, untyped) but
    // stable since 3.x; absent means "unknown". No require(): resolving it cost ~20 ms per process.
    const rt = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    return rt.isConfigSecret ? rt.isConfigSecret(fullKey) : true;
}

/** Returns the project's config keys (without prefix) with JSON values parsed. */
export function rawProjectConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const prefix = `${PROJECT}:`;
    for (const [k, v] of Object.entries(all)) {
        if (!k.startsWith(prefix)) continue;
        const key = k.slice(prefix.length);
        if ((SECRET_KEYS as readonly string[]).includes(key)) {
            raw[key] = "[secret]";
            continue;
        }
        try {
            raw[key] = JSON.parse(v);
        } catch {
            raw[key] = v;
        }
    }
    return raw;
}

/** Whether any router of the raw config has `ssh` set (read leniently: the config may be invalid). */
function anyRouterWithSsh(raw: Record<string, unknown>): boolean {
    const routers = (raw.bgp as { routers?: unknown } | undefined)?.routers;
    return (
        Array.isArray(routers) &&
        routers.some((r) => r !== null && typeof r === "object" && "ssh" in r)
    );
}

/**
 * The management kubeconfig is otherwise only parsed by the readiness provider's check, after
 * registration has started. The messages name fields, never values.
 */
function checkKubeconfig(text: string | undefined, issues: ConfigIssue[]): void {
    if (!text) return;
    try {
        parseKubeconfig(text, "managementKubeconfig");
    } catch (e) {
        const why = redact((e as Error).message).replace(/^managementKubeconfig:? ?/, "");
        issues.push({
            path: "managementKubeconfig",
            message:
                `${why}; re-set it with \`pulumi config set --secret managementKubeconfig ` +
                `"$(cat <flattened kubeconfig>)"\` (kubectl config view --flatten --minify)`,
        });
    }
}

type SecretKey = (typeof SECRET_KEYS)[number];

/** The parsed region, or undefined with its problems added to `issues`. */
function parseCollecting(
    raw: Record<string, unknown>,
    issues: ConfigIssue[],
): ParsedRegion | undefined {
    try {
        return parseRegionConfig(raw, pulumi.getStack());
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        issues.push(...e.issues);
        return undefined;
    }
}

/** A secret config value as an Output; a missing or plaintext value is an issue. */
function secretConfig(
    all: Record<string, string>,
    key: SecretKey,
    required: boolean,
    issues: ConfigIssue[],
): pulumi.Output<string> | undefined {
    const full = `${PROJECT}:${key}`;
    const value = all[full];
    if (value === undefined || value === "") {
        if (required) {
            issues.push({
                path: key,
                message: `is required; set it with \`pulumi config set --secret ${key} <value>\``,
            });
        }
        return undefined;
    }
    if (!isSecretConfig(full)) {
        issues.push({
            path: key,
            message: `is stored in plaintext; re-set it with \`pulumi config set --secret ${key} <value>\``,
        });
    }
    // What Config.requireSecret returns, without it parsing the whole engine config again.
    return pulumi.secret(value);
}

/** The token goes into an HTTP header as it is. */
function checkArgocdToken(token: string | undefined, issues: ConfigIssue[]): void {
    if (token && /\s/.test(token)) {
        issues.push({
            path: "argocdToken",
            message:
                "contains whitespace or a line break (often a trailing newline from a file), " +
                "which cannot go into an HTTP Authorization header; re-set it with " +
                "`pulumi config set --secret argocdToken \"$(tr -d '\\n' < token-file)\"`",
        });
    }
}

/** The routers' listen-range commands log in with it, so it must be a private key. */
function checkRouterSshKey(key: string | undefined, issues: ConfigIssue[]): void {
    if (key && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
        issues.push({
            path: "routerSshKey",
            message:
                "is not a private key (-----BEGIN OPENSSH PRIVATE KEY----- or PEM); re-set it " +
                "with `pulumi config set --secret routerSshKey < ~/.ssh/<router key>`",
        });
    }
}

/** The secrets as Outputs, each followed by the check of its form (issues in that order). */
function readSecrets(
    all: Record<string, string>,
    raw: Record<string, unknown>,
    issues: ConfigIssue[],
): Partial<RegionSecrets> {
    const plain = (key: SecretKey) => all[`${PROJECT}:${key}`];
    const needsRouterKey = anyRouterWithSsh(raw);
    const managementKubeconfig = secretConfig(all, "managementKubeconfig", true, issues);
    checkKubeconfig(plain("managementKubeconfig"), issues);
    const vspherePassword = secretConfig(all, "vspherePassword", true, issues);
    // The token is read by the Argo CD dynamic provider's configure(); here only its form.
    secretConfig(all, "argocdToken", true, issues);
    checkArgocdToken(plain("argocdToken"), issues);
    const routerSshKey = secretConfig(all, "routerSshKey", needsRouterKey, issues);
    checkRouterSshKey(plain("routerSshKey"), issues);
    return { managementKubeconfig, vspherePassword, routerSshKey };
}

/**
 * Loads and validates the region. Throws ConfigError before any resource is registered when the
 * configuration is invalid or a credential is missing or not stored as a secret; field, IP-plan
 * and secret problems are listed together.
 */
export function loadRegion(): LoadedRegion {
    // Every Config.get parses the engine's whole config again (all clusters): read it once here
    // for the plain values, and through Config only to make the secret Outputs.
    const all = pulumi.runtime.allConfig();
    const raw = rawProjectConfig(all);
    const issues: ConfigIssue[] = [];
    const parsed = parseCollecting(raw, issues);
    const secrets = readSecrets(all, raw, issues);
    if (issues.length > 0 || parsed === undefined) {
        throw new ConfigError(issues);
    }
    return {
        ...parsed,
        secrets: {
            managementKubeconfig: secrets.managementKubeconfig!,
            vspherePassword: secrets.vspherePassword!,
            routerSshKey: secrets.routerSshKey,
        },
    };
}
