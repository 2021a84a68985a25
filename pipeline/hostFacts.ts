// Facts about this machine that decide whether a backend lock is stale (recovery.ts).

import * as fs from "node:fs";
import * as os from "node:os";
import type { HostFacts } from "./recovery";

/** True while `pid` runs; on Linux it must also be a Pulumi CLI, so a reused pid does not count. */
export function pulumiAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch (e) {
        // EPERM: it exists but belongs to someone else.
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
    let cmdline: string;
    try {
        cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
        // No /proc (not Linux): a live pid is all we can know.
        return true;
    }
    return cmdline.split("\0").some((arg) => /(^|\/)pulumi$/.test(arg));
}

export function localHostFacts(): HostFacts {
    return { hostname: os.hostname(), pulumiAlive };
}
