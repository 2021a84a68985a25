// The cluster-fleet policy pack. Constructing a PolicyPack starts the analyzer's gRPC server (and
// may process.exit), so only the Pulumi CLI loads this file; tests import ./policies instead.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("cluster-fleet", {
    description: "Guard rails for cluster-fleet region stacks: CAPI/CAPV clusters and Argo CD.",
    // Mandatory unless a stack's policy config (policy/config/<stack>.json) says otherwise.
    enforcementLevel: "mandatory",
    policies: allPolicies,
});
