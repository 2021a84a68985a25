// Reads the stack's configuration from the Pulumi runtime and hands it to parseRegionConfig.
// The only place that touches pulumi.Config: everything else receives typed values.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../constants";
import { ConfigError } from "./checker";
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
    // runtime/config's isConfigSecret is internal but stable since 3.x; absent means "unknown".
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rt = require("@pulumi/pulumi/runtime/config") as {
        isConfigSecret?: (k: string) => boolean;
    };
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

/**
 * Loads and validates the region. Throws ConfigError before any resource is registered when the
 * configuration is invalid or a credential is missing or not stored as a secret.
 */
export function loadRegion(): LoadedRegion {
    const raw = rawProjectConfig(pulumi.runtime.allConfig());
    const parsed = parseRegionConfig(raw, pulumi.getStack());
    const cfg = new pulumi.Config(PROJECT);
    const issues: { path: string; message: string }[] = [];
    const secret = (key: (typeof SECRET_KEYS)[number], required: boolean) => {
        const full = `${PROJECT}:${key}`;
        const value = cfg.get(key);
        if (value === undefined || value === "") {
            if (required) {
                issues.push({
                    path: full,
                    message: `is required; set it with \`pulumi config set --secret ${key} <value>\``,
                });
            }
            return undefined;
        }
        if (!isSecretConfig(full)) {
            issues.push({
                path: full,
                message: `is stored in plaintext; re-set it with \`pulumi config set --secret ${key} <value>\``,
            });
        }
        return cfg.requireSecret(key);
    };
    const needsRouterKey = parsed.config.bgp.routers.some((r) => r.ssh !== undefined);
    const managementKubeconfig = secret("managementKubeconfig", true);
    const vspherePassword = secret("vspherePassword", true);
    // The token is read by the Argo CD dynamic provider's configure(); only its presence is checked.
    secret("argocdToken", true);
    const routerSshKey = secret("routerSshKey", needsRouterKey);
    if (issues.length > 0) {
        throw new ConfigError(issues);
    }
    return {
        ...parsed,
        secrets: {
            managementKubeconfig: managementKubeconfig!,
            vspherePassword: vspherePassword!,
            routerSshKey,
        },
    };
}
