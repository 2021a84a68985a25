import * as assert from "node:assert/strict";
import { types } from "../../components/constants";
import {
    decideOnLock,
    decideOnPending,
    isLockError,
    lockIsStale,
    parseStackLocks,
    pendingOperationsOf,
    recreatable,
    type HostFacts,
} from "../recovery";
import { lockErrorText, pendingState } from "./support";

const here = (alive: number[] = []): HostFacts => ({
    hostname: "ci-7",
    pulumiAlive: (pid) => alive.includes(pid),
});

describe("pipeline/recovery", () => {
    it("reads the pending operations of an exported state, with the names the program sent", () => {
        const d = pendingState([
            { type: "creating", resType: types.Cluster, name: "lab-apps" },
            { type: "updating", resType: types.ApiServerReady },
        ]);
        assert.deepEqual(pendingOperationsOf(d), [
            {
                urn: `urn:pulumi:dev::cluster-fleet::${types.Cluster}::r0`,
                type: "creating",
                resourceType: types.Cluster,
                name: "lab-apps",
            },
            {
                urn: `urn:pulumi:dev::cluster-fleet::${types.ApiServerReady}::r1`,
                type: "updating",
                resourceType: types.ApiServerReady,
            },
        ]);
        assert.deepEqual(pendingOperationsOf({ version: 3, deployment: {} }), []);
    });

    it("recreates only named Kubernetes objects and the program's dynamic resources", () => {
        const op = (resourceType: string, name?: string) => ({
            urn: "u",
            type: "creating",
            resourceType,
            ...(name ? { name } : {}),
        });
        assert.equal(recreatable(op(types.Secret, "cluster-lab-apps")), true);
        assert.equal(recreatable(op(types.ApiServerReady)), true);
        assert.equal(recreatable(op(types.ArgoCdAppSync)), true);
        assert.equal(recreatable(op(types.Secret)), false, "auto-named");
        assert.equal(recreatable(op(types.VsphereFolder)), false);
        assert.equal(recreatable(op(types.RemoteCommand)), false);
    });

    it("parses the CLI's lock error, each lock once although the SDK repeats stderr", () => {
        const text = lockErrorText("ci-7", 4242) + "\n" + lockErrorText("ci-7", 4242);
        assert.equal(isLockError(text), true);
        assert.equal(isLockError("error: update failed"), false);
        assert.deepEqual(parseStackLocks(text), [
            {
                location: "file:///state/.pulumi/locks/organization/cluster-fleet/dev/0b7c.json",
                user: "root",
                host: "ci-7",
                pid: 4242,
                createdAt: "2026-12-02T01:02:03Z",
            },
        ]);
    });

    it("calls a lock stale only when its CLI died on this host", () => {
        const [lock] = parseStackLocks(lockErrorText("ci-7", 4242));
        assert.equal(lockIsStale(lock, here()), true);
        assert.equal(lockIsStale(lock, here([4242])), false, "still running");
        assert.equal(lockIsStale({ ...lock, host: "ci-8" }, here()), false, "other host");
    });

    it("cancels a stale lock, and stops on a live one naming its holder", () => {
        const stale = decideOnLock("dev", lockErrorText("ci-7", 4242), here());
        assert.equal(stale.action, "cancel");
        assert.match(
            stale.action === "cancel" ? stale.lines.join("\n") : "",
            /pulumi cancel --stack dev/,
        );
        const live = decideOnLock("dev", lockErrorText("ci-7", 4242), here([4242]));
        assert.equal(live.action, "stop");
        assert.match(
            live.action === "stop" ? live.message : "",
            /locked by another update .*root@ci-7, pid 4242/,
        );
        assert.match(live.action === "stop" ? live.message : "", /Nothing was changed/);
        const remote = decideOnLock("dev", lockErrorText("ci-8", 4242), here());
        assert.equal(remote.action, "stop");
    });

    it("refreshes away pending operations, clearing creates only when there are some", () => {
        assert.deepEqual(decideOnPending("dev", []), { action: "none" });
        const creates = decideOnPending(
            "dev",
            pendingOperationsOf(
                pendingState([
                    { type: "creating", resType: types.Cluster, name: "lab-apps" },
                    { type: "creating", resType: types.ApiServerReady },
                ]),
            ),
        );
        assert.equal(creates.action, "refresh");
        assert.equal(creates.action === "refresh" && creates.clearPendingCreates, true);
        assert.match(
            creates.action === "refresh" ? creates.lines.join("\n") : "",
            /interrupted.*2 pending[\s\S]*refresh --clear-pending-creates --stack dev/,
        );
        const updates = decideOnPending(
            "dev",
            pendingOperationsOf(pendingState([{ type: "updating", resType: types.Cluster }])),
        );
        assert.equal(updates.action === "refresh" && updates.clearPendingCreates, false);
    });

    it("stops with the import command when a pending create could be duplicated", () => {
        const d = decideOnPending(
            "dev",
            pendingOperationsOf(
                pendingState([
                    { type: "creating", resType: types.VsphereFolder, urn: "urn:folder" },
                    { type: "creating", resType: types.Cluster, name: "lab-apps" },
                ]),
            ),
        );
        assert.equal(d.action, "stop");
        const msg = d.action === "stop" ? d.message : "";
        assert.match(msg, /cannot be created again without risking a duplicate: urn:folder\./);
        assert.match(msg, /--import-pending-creates <URN> <ID>/);
    });
});
