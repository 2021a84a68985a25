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
    it("reads per-cluster outputs from the root stack of a real export", () => {
        const outputs = stackOutputsFromDeployment(loadState("state-dev-after-up"));
        assert.deepEqual(Object.keys(outputs ?? {}).sort(), ["clusters", "ipPlan"]);
        assert.deepEqual(clusterOutputs(outputs), {
            "lab-apps": {
                endpoint: "https://127.77.0.64:6443",
                vip: "127.77.0.64",
                addressBlock: "127.77.0.64/26",
                poolRange: "127.77.0.65-127.77.0.127",
                kubernetesVersion: "v1.34.4",
                syncStatus: "Unmanaged",
                healthStatus: "Unmanaged",
            },
        });
    });

    it("masks the secrets `stack export --show-secrets` prints with their signature", () => {
        // The real 3.248 export keeps the signature next to the plaintext (scrubbed in the fixture).
        const resources = loadState("state-dev-after-up").deployment.resources as {
            type: string;
            outputs: Record<string, unknown>;
        }[];
        const secret = resources.find((r) => r.type === "kubernetes:core/v1:Secret");
        assert.ok(secret, "the fixture holds the Argo CD cluster Secret");
        assert.equal((secret.outputs.data as Record<string, unknown>)[SECRET_SIG_KEY], SECRET_SIG);
        const masked = maskSecrets(secret.outputs) as Record<string, unknown>;
        assert.equal(masked.data, MASKED);
        assert.doesNotMatch(stableStringify(masked), /plaintext|scrubbed by record-events/);
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
