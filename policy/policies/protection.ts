// Production CAPI Cluster objects are protected: deleting one deletes the workload cluster's VMs.
import { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { types } from "../../components/constants";
import { readConfig } from "../lib/config";
import { namespacedName } from "../lib/k8s";

export interface CapiClusterProtectedConfig {
    readonly requireProtect: boolean;
}

const name = "capi-cluster-protected";

const configSchema: PolicyConfigSchema = {
    properties: {
        requireProtect: {
            type: "boolean",
            default: true,
            description: "Require `protect: true` on CAPI Clusters (true in prod, false in dev).",
        },
    },
};

export const capiClusterProtected: ResourceValidationPolicy = {
    name,
    description: "CAPI Cluster objects must be created with the `protect` resource option.",
    severity: "critical",
    configSchema,
    validateResource: (args, report) => {
        if (args.type !== types.Cluster) {
            return;
        }
        const cfg = readConfig<CapiClusterProtectedConfig>(name, configSchema, args.getConfig());
        if (!cfg.requireProtect) {
            args.notApplicable("this stack does not require protected clusters");
        }
        // Resource options are always known, also on preview.
        if (!args.opts.protect) {
            report(
                `Cluster ${namespacedName(args.props)}: set the protect resource option; deleting ` +
                    `this object deletes the workload cluster. Unprotect deliberately to remove it.`,
            );
        }
    },
};

export const protectionPolicies = [capiClusterProtected];
