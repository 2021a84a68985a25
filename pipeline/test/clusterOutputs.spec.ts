import * as assert from "node:assert/strict";
import {
    clusterOutputs,
    MASKED,
    maskSecrets,
    SECRET_SIG,
    SECRET_SIG_KEY,
    stackOutputsFromDeployment,
} from "../clusterOutputs";
import { stableStringify } from "../stableJson";
import { loadState } from "./support";

describe("pipeline/clusterOutputs", () => {
    it("reads per-cluster outputs from the root stack with nested secrets masked", () => {
        const outputs = stackOutputsFromDeployment(loadState("state-dev-after-up"));
        assert.equal(outputs?.argocdToken, MASKED);
        assert.equal(outputs?.region, "eu1");
        const clusters = clusterOutputs(outputs);
        assert.deepEqual(clusters, {
            "eu1-apps": {
                endpoint: "https://10.20.0.10:6443",
                vip: "10.20.0.10",
                addressBlock: "10.20.0.0/26",
                poolRange: "10.20.0.11-10.20.0.40",
                kubernetesVersion: "v1.34.2",
                syncStatus: "Synced",
                healthStatus: "Healthy",
                kubeconfig: MASKED,
            },
            "eu1-batch": MASKED,
        });
        assert.doesNotMatch(stableStringify(clusters), /never-leak|plaintext/);
    });

    it("masks a wholly secret clusters output", () => {
        const secret = { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" };
        assert.equal(clusterOutputs(maskSecrets({ clusters: secret }) as never), MASKED);
    });

    it("has nothing to say about an empty, new or destroyed stack", () => {
        assert.equal(stackOutputsFromDeployment({ version: 3, deployment: {} }), undefined);
        assert.equal(
            stackOutputsFromDeployment({ version: 3, deployment: { resources: [] } }),
            undefined,
        );
        assert.equal(clusterOutputs({ region: "eu1" }), undefined);
        assert.equal(clusterOutputs(undefined), undefined);
        assert.deepEqual(clusterOutputs({ clusters: {} }), {});
    });

    it("masks inside arrays and leaves plain values alone", () => {
        const secret = { [SECRET_SIG_KEY]: SECRET_SIG, plaintext: '"x"' };
        assert.deepEqual(maskSecrets([1, "a", null, { k: secret }]), [1, "a", null, { k: MASKED }]);
    });
});
