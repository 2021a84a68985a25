// Pure evaluation of an Application's status with `argocd app wait --sync --health --operation`
// semantics, plus the failing/unhealthy resource lists the sync provider reports
// (../shared/notes/argocd.md §6 "Completion algorithm", §9).
// Kept free of Pulumi imports: dynamic providers serialize this module by value.
import type { components } from "./generated/argocd-api";

type Application = components["schemas"]["v1alpha1Application"];
type Source = components["schemas"]["v1alpha1ApplicationSource"];

export type AppWaitState =
    /** An operation is set, unfinished, or not yet reconciled after it finished. */
    | "in-progress"
    /** Operation finished, Synced and Healthy. */
    | "done"
    /** Operation finished in phase Failed or Error: fail fast. */
    | "failed"
    /** Operation finished but the app is not (yet) Synced+Healthy: keep polling until the deadline. */
    | "waiting";

export interface AppEvaluation {
    readonly state: AppWaitState;
    readonly syncStatus: string;
    readonly healthStatus: string;
    readonly operationPhase: string;
    readonly operationMessage: string;
    readonly retryCount: number;
    /** Revision(s) of the last sync operation, else the compared ones (see appRevision). */
    readonly revision: string;
    readonly finishedAt: string;
    readonly startedAt: string;
}

function time(t: string | undefined): number | undefined {
    if (!t) {
        return undefined;
    }
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
}

function num(v: unknown): number | undefined {
    const n = typeof v === "string" ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** The `argocd app wait` in-progress rule. */
export function operationInProgress(app: Application): boolean {
    if (app.operation) {
        return true;
    }
    const op = app.status?.operationState;
    if (!op) {
        return false;
    }
    const finished = time(op.finishedAt);
    if (finished === undefined) {
        return true;
    }
    if (op.operation?.sync?.dryRun) {
        return false;
    }
    const reconciled = time(app.status?.reconciledAt);
    return reconciled === undefined || reconciled < finished;
}

export function evaluateApp(app: Application): AppEvaluation {
    const op = app.status?.operationState;
    const syncStatus = app.status?.sync?.status ?? "";
    const healthStatus = app.status?.health?.status ?? "";
    const operationPhase = op?.phase ?? "";
    const inProgress = operationInProgress(app);
    let state: AppWaitState;
    if (inProgress) {
        state = "in-progress";
    } else if (operationPhase === "Failed" || operationPhase === "Error") {
        state = "failed";
    } else if (syncStatus === "Synced" && healthStatus === "Healthy") {
        state = "done";
    } else {
        state = "waiting";
    }
    return {
        state,
        syncStatus,
        healthStatus,
        operationPhase,
        operationMessage: op?.message ?? "",
        retryCount: num(op?.retryCount) ?? 0,
        revision: appRevision(app),
        finishedAt: op?.finishedAt ?? "",
        startedAt: op?.startedAt ?? "",
    };
}

/** A source as a revision label names it: its chart, else its path, else its repository. */
function sourceName(s: Source | undefined, i: number): string {
    return s?.chart || s?.path || s?.repoURL || `source ${i + 1}`;
}

/**
 * The revision the last operation synced or tried: its syncResult (the resolved commit), else
 * what the operation asked for, else the compared revision. A multi-source app (cluster-config:
 * chart + git) has an empty `revision` in all three places and one entry per source in
 * `revisions` instead (Argo CD v3.5): those read "chart@version, path@commit".
 */
export function appRevision(app: Application): string {
    const op = app.status?.operationState;
    const sync = app.status?.sync;
    const places: { revision?: string; revisions?: string[]; sources?: Source[] }[] = [
        op?.syncResult ?? {},
        op?.operation?.sync ?? {},
        { ...sync, sources: sync?.comparedTo?.sources },
    ];
    for (const p of places) {
        if (p.revision) {
            return p.revision;
        }
        if (p.revisions?.some((r) => r)) {
            const sources = p.sources?.length ? p.sources : app.spec?.sources;
            return p.revisions
                .map((r, i) => `${sourceName(sources?.[i], i)}@${r || "(unknown)"}`)
                .join(", ");
        }
    }
    return "";
}

export interface ResourceReport {
    readonly group: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly wave?: number;
    readonly status: string;
    readonly message: string;
}

const key = (r: { group?: string; kind?: string; namespace?: string; name?: string }) =>
    [r.group ?? "", r.kind ?? "", r.namespace ?? "", r.name ?? ""].join("/");

interface Tracked {
    /** Argo CD omits syncWave 0 (omitempty): a tracked resource without one is in wave 0. */
    readonly wave: number;
    readonly namespace: string;
}

/**
 * status.resources by group/kind/namespace/name. A real Argo CD (v3.5) gives cluster-scoped
 * objects no namespace here, but the app's destination namespace in syncResult.resources: those
 * are found again by group/kind/name.
 */
function tracked(app: Application): (r: Parameters<typeof key>[0]) => Tracked | undefined {
    const byKey = new Map<string, Tracked>();
    for (const r of app.status?.resources ?? []) {
        byKey.set(key(r), { wave: num(r.syncWave) ?? 0, namespace: r.namespace ?? "" });
    }
    return (r) => byKey.get(key(r)) ?? byKey.get(key({ ...r, namespace: "" }));
}

/**
 * Resources of the last sync with status SyncFailed or a failed hook, with their wave joined
 * from status.resources (syncResult carries no wave; a hook, not tracked there, shows none).
 * Sorted by wave, then kind/ns/name.
 * Argo CD sets hookPhase on every resource of a sync, so only entries with a hookType are hooks.
 */
export function failingResources(app: Application): ResourceReport[] {
    const find = tracked(app);
    const out: ResourceReport[] = [];
    for (const r of app.status?.operationState?.syncResult?.resources ?? []) {
        const hookFailed = !!r.hookType && (r.hookPhase === "Failed" || r.hookPhase === "Error");
        if (r.status !== "SyncFailed" && !hookFailed) {
            continue;
        }
        const t = find(r);
        out.push({
            group: r.group ?? "",
            kind: r.kind ?? "",
            namespace: t ? t.namespace : (r.namespace ?? ""),
            name: r.name ?? "",
            wave: t?.wave,
            status: hookFailed ? `hook ${r.hookPhase}` : (r.status ?? ""),
            message: r.message ?? "",
        });
    }
    return sortReports(out);
}

/** Resources whose health is present and not Healthy (what a timeout reports). */
export function unhealthyResources(app: Application): ResourceReport[] {
    const out: ResourceReport[] = [];
    for (const r of app.status?.resources ?? []) {
        const h = r.health?.status;
        if (!h || h === "Healthy") {
            continue;
        }
        out.push({
            group: r.group ?? "",
            kind: r.kind ?? "",
            namespace: r.namespace ?? "",
            name: r.name ?? "",
            wave: num(r.syncWave) ?? 0,
            status: h,
            message: r.health?.message ?? "",
        });
    }
    return sortReports(out);
}

function sortReports(rs: ResourceReport[]): ResourceReport[] {
    return rs.sort((a, b) => (a.wave ?? 0) - (b.wave ?? 0) || key(a).localeCompare(key(b), "en"));
}

/** "Kind ns/name (wave N): status: message". */
export function formatResource(r: ResourceReport): string {
    const id = r.namespace ? `${r.namespace}/${r.name}` : r.name;
    const wave = r.wave !== undefined ? ` (wave ${r.wave})` : "";
    return `${r.kind} ${id}${wave}: ${r.status}${r.message ? `: ${r.message}` : ""}`;
}

export interface OperationInitiator {
    readonly username: string;
    readonly automated: boolean;
}

/** Who started the current (or last) operation. */
export function operationInitiator(app: Application): OperationInitiator | undefined {
    const by = app.operation?.initiatedBy ?? app.status?.operationState?.operation?.initiatedBy;
    if (!by) {
        return undefined;
    }
    return { username: by.username ?? "", automated: by.automated === true };
}
