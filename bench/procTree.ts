// Peak memory and CPU of every process below a root (an engine run: CLI, language host, program,
// providers, policy pack), sampled from /proc, since the language host kills the program at the
// end and nothing reports it. Peak RSS is the kernel's high-water mark (VmHWM), so a sample
// taken any time before exit sees the process's true peak; CPU is the last utime+stime seen
// (at most one interval short). Linux only.
import * as fs from "node:fs";

export interface ProcessFigures {
    readonly pid: number;
    readonly role: string;
    readonly cmdline: string;
    peakRssMiB: number;
    cpuSeconds: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node runs on

/** What a process is in an engine run, from its command line. */
export function roleOf(argv: readonly string[]): string {
    const exe = (argv[0] ?? "").split("/").pop() ?? "";
    const rest = argv.slice(1).join(" ");
    if (exe === "pulumi") return "engine";
    if (exe.startsWith("pulumi-language-")) return "language host";
    if (exe.startsWith("pulumi-resource-")) return exe.slice("pulumi-resource-".length);
    if (exe === "node" || exe.endsWith("/node")) {
        if (/@pulumi\/pulumi\/cmd\/run(\/index\.js|\.js)?( |$)/.test(rest)) return "program";
        if (/cmd\/dynamic-provider/.test(rest)) return "dynamic provider";
        if (/run-policy-pack|cmd\/run-policy-pack/.test(rest)) return "policy pack";
        if (/pipeline\/cli\.ts/.test(rest)) return "driver";
    }
    return exe || "?";
}

function read(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined; // gone between listing and reading
    }
}

/** pid -> parent pid of every process now. */
function parents(): Map<number, number> {
    const out = new Map<number, number>();
    for (const name of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(name)) continue;
        const stat = read(`/proc/${name}/stat`);
        if (!stat) continue;
        // Fields after the command name, which is in parentheses and may contain anything.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.set(Number(name), Number(fields[1]));
    }
    return out;
}

function descendants(root: number): number[] {
    const byParent = new Map<number, number[]>();
    for (const [pid, ppid] of parents()) {
        byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
    }
    const out: number[] = [];
    const todo = [root];
    while (todo.length > 0) {
        const pid = todo.pop()!;
        out.push(pid);
        todo.push(...(byParent.get(pid) ?? []));
    }
    return out;
}

/** Samples the tree under `root` every `intervalMs` until stopped. */
export class ProcessTreeSampler {
    private readonly seen = new Map<number, ProcessFigures>();
    private readonly timer: NodeJS.Timeout;

    constructor(
        private readonly root: number,
        intervalMs = 200,
    ) {
        this.sample();
        this.timer = setInterval(() => this.sample(), intervalMs);
    }

    private sample(): void {
        for (const pid of descendants(this.root)) {
            const status = read(`/proc/${pid}/status`);
            const stat = read(`/proc/${pid}/stat`);
            if (!status || !stat) continue;
            let f = this.seen.get(pid);
            if (!f) {
                const argv = (read(`/proc/${pid}/cmdline`) ?? "").split("\0").filter(Boolean);
                f = {
                    pid,
                    role: roleOf(argv),
                    cmdline: argv.join(" "),
                    peakRssMiB: 0,
                    cpuSeconds: 0,
                };
                this.seen.set(pid, f);
            }
            const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
            if (hwm) f.peakRssMiB = Math.max(f.peakRssMiB, Number(hwm[1]) / 1024);
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            // utime and stime are fields 14 and 15 of /proc/PID/stat; index 0 here is field 3.
            const ticks = Number(fields[11]) + Number(fields[12]);
            f.cpuSeconds = Math.max(f.cpuSeconds, ticks / CLOCK_TICKS_PER_SECOND);
        }
    }

    /** Stops sampling; every process seen, with its figures. */
    stop(): ProcessFigures[] {
        clearInterval(this.timer);
        return [...this.seen.values()];
    }
}

/** Per role: the largest peak RSS of one process, and CPU summed over its processes. */
export function byRole(
    procs: readonly ProcessFigures[],
): Map<string, { peakRssMiB: number; cpuSeconds: number; count: number }> {
    const out = new Map<string, { peakRssMiB: number; cpuSeconds: number; count: number }>();
    for (const p of procs) {
        const r = out.get(p.role) ?? { peakRssMiB: 0, cpuSeconds: 0, count: 0 };
        r.peakRssMiB = Math.max(r.peakRssMiB, p.peakRssMiB);
        r.cpuSeconds += p.cpuSeconds;
        r.count += 1;
        out.set(p.role, r);
    }
    return out;
}
