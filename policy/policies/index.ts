// Every policy of the pack, in report order. Tests import this; ../index.ts serves it.
import { Policies } from "@pulumi/policy";
import { argocdPolicies } from "./argocd";
import { controlPlanePolicies } from "./controlPlane";
import { machinePolicies } from "./machines";
import { networkPolicies } from "./network";
import { protectionPolicies } from "./protection";
import { secretPolicies } from "./secrets";
import { versionPolicies } from "./versions";

export const allPolicies: Policies = [
    ...controlPlanePolicies,
    ...versionPolicies,
    ...networkPolicies,
    ...machinePolicies,
    ...argocdPolicies,
    ...secretPolicies,
    ...protectionPolicies,
];
