import * as assert from "node:assert/strict";
import { unreachableServers } from "../unreachable";

describe("pipeline/unreachable", () => {
    it("names each unreachable server once, counting the errors it explains", () => {
        const refused = (verb: string, path: string) =>
            `${verb} "https://127.0.0.1:24001${path}": dial tcp 127.0.0.1:24001: connect: connection refused`;
        const lines = unreachableServers([
            { urn: "urn:a", message: `creating failed: ${refused("Patch", "/apis/x")}` },
            {
                urn: "urn:b",
                message: `failed to read: ${refused("Get", "/api/v1/ns/a")}\n${refused("Get", "/openapi/v2")}`,
            },
            { message: "dial tcp 127.0.0.2:9: i/o timeout" },
            { message: "connect ECONNREFUSED 127.0.0.1:24001" },
            { message: "the policy pack failed" },
        ]);
        assert.equal(lines.length, 2, JSON.stringify(lines));
        assert.match(
            lines[0].message,
            /^cannot reach the server at https:\/\/127\.0\.0\.1:24001 \(connection refused\): 3 error\(s\) below come from it \(2 resource\(s\)\)\./,
        );
        assert.match(lines[0].message, /bring it back .* and rerun/);
        assert.match(
            lines[1].message,
            /^cannot reach the server at https:\/\/127\.0\.0\.2:9 \(i\/o timeout\): 1 error/,
        );
    });

    it("names the server by role when the readiness wait reports it that way", () => {
        const [line] = unreachableServers([
            {
                urn: "urn:ready",
                message:
                    'ApiServerReady capi-clusters/lab-apps: the API server (unknown until Secret capi-clusters/lab-apps-kubeconfig exists) of cluster "lab-apps" was not ready within 120s (35 attempts); last state: management API server: connection refused. Check the control plane machines, or raise timeoutSeconds.',
            },
        ]);
        assert.match(
            line.message,
            /^cannot reach the management API server \(connection refused\): 1 error\(s\) below come from it \(1 resource\(s\)\)/,
        );
    });

    it("says nothing when no error is a dial failure", () => {
        assert.deepEqual(unreachableServers([{ message: "HTTP 403 forbidden" }]), []);
    });
});
