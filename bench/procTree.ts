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
    /** The sampler's `envKeys` as the process had them when first seen (absent: unset). */
    readonly env: Readonly<Record<string, string>>;
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

/** /proc/PID/stat: the command name (changes when the process execs) and the fields after it. */
interface Stat {
    readonly comm: string;
    /** Index 0 is field 3 (state), 1 the parent pid. */
    readonly fields: string[];
}

/** pid -> its stat for every process now (the name is in parentheses and may contain anything). */
function stats(): Map<number, Stat> {
    const out = new Map<number, Stat>();
    for (const name of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(name)) continue;
        const stat = read(`/proc/${name}/stat`);
        if (!stat) continue;
        const close = stat.lastIndexOf(")");
        out.set(Number(name), {
            comm: stat.slice(stat.indexOf("(") + 1, close),
            fields: stat.slice(close + 2).split(" "),
        });
    }
    return out;
}

/** `root` and every process below it, with their stat fields. */
function descendants(root: number, all: Map<number, Stat>): [number, Stat][] {
    const byParent = new Map<number, number[]>();
    for (const [pid, { fields }] of all) {
        const ppid = Number(fields[1]);
        const kids = byParent.get(ppid);
        if (kids) kids.push(pid);
        else byParent.set(ppid, [pid]);
    }
    const out: [number, Stat][] = [];
    const todo = [root];
    while (todo.length > 0) {
        const pid = todo.pop()!;
        const fields = all.get(pid);
        if (fields) out.push([pid, fields]);
        todo.push(...(byParent.get(pid) ?? []));
    }
    return out;
}

/** The variables named in `keys` from /proc/PID/environ (the environment the process started with). */
function environOf(pid: number, keys: readonly string[]): Record<string, string> {
    if (keys.length === 0) return {};
    const out: Record<string, string> = {};
    for (const entry of (read(`/proc/${pid}/environ`) ?? "").split("\0")) {
        const eq = entry.indexOf("=");
        if (eq > 0 && keys.includes(entry.slice(0, eq)))
            out[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    return out;
}

/** Samples the tree under `root` every `intervalMs` until stopped. */
export class ProcessTreeSampler {
    private readonly seen = new Map<number, ProcessFigures>();
    private readonly comms = new Map<number, string>();
    private readonly timer: NodeJS.Timeout;

    constructor(
        private readonly root: number,
        intervalMs = 200,
        /** Environment variables to record per process (e.g. to check what a variant ran with). */
        private readonly envKeys: readonly string[] = [],
    ) {
        this.sample();
        this.timer = setInterval(() => this.sample(), intervalMs);
    }

    private sample(): void {
        for (const [pid, { comm, fields }] of descendants(this.root, stats())) {
            const status = read(`/proc/${pid}/status`);
            if (!status) continue;
            let f = this.seen.get(pid);
            // A process seen before its exec (a wrapper script) is taken again as what it became.
            if (!f || this.comms.get(pid) !== comm) {
                const argv = (read(`/proc/${pid}/cmdline`) ?? "").split("\0").filter(Boolean);
                f = {
                    pid,
                    role: roleOf(argv),
                    cmdline: argv.join(" "),
                    peakRssMiB: 0,
                    cpuSeconds: 0,
                    env: environOf(pid, this.envKeys),
                };
                this.seen.set(pid, f);
                this.comms.set(pid, comm);
            }
            const hwm = /^VmHWM:\s+(\d+) kB/m.exec(status);
            if (hwm) f.peakRssMiB = Math.max(f.peakRssMiB, Number(hwm[1]) / 1024);
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
