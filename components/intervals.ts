// Inclusive address intervals (IPv4 addresses as unsigned longs) and a sorted set of disjoint
// ones, so that "what does this range overlap?" costs a binary search instead of a scan of every
// other cluster (the IP plan and the pod-network checks of regions with thousands of clusters).

export interface Interval {
    readonly lo: number;
    readonly hi: number;
}

export const overlaps = (a: Interval, b: Interval): boolean => a.lo <= b.hi && b.lo <= a.hi;

/** Index of the first interval in `sorted` (by lo, disjoint) whose hi is >= x. */
function firstEndingAtOrAfter(sorted: readonly Interval[], x: number): number {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid].hi < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/** Pairwise disjoint intervals, each with a value (e.g. the index of the cluster that owns it). */
export class DisjointIntervals<V> {
    private readonly items: (Interval & { value: V })[] = [];

    /** Values of the intervals that overlap `r`, in address order. */
    overlapping(r: Interval): V[] {
        const out: V[] = [];
        for (let k = firstEndingAtOrAfter(this.items, r.lo); k < this.items.length; k++) {
            if (this.items[k].lo > r.hi) break;
            out.push(this.items[k].value);
        }
        return out;
    }

    /** Adds `r`; the caller guarantees it overlaps nothing in the set. */
    insert(r: Interval, value: V): void {
        const k = firstEndingAtOrAfter(this.items, r.lo);
        this.items.splice(k, 0, { lo: r.lo, hi: r.hi, value });
    }
}

/** A union of intervals, merged on insert: "is any of this taken?" in O(log n). */
export class IntervalUnion {
    private readonly items: Interval[] = [];

    /** The union of `intervals`: one sort and a merge, instead of an insert (splice) each. */
    static of(intervals: readonly Interval[]): IntervalUnion {
        const u = new IntervalUnion();
        const sorted = [...intervals].sort((a, b) => a.lo - b.lo);
        let cur: { lo: number; hi: number } | undefined;
        for (const r of sorted) {
            if (cur && r.lo <= cur.hi + 1) {
                cur.hi = Math.max(cur.hi, r.hi);
            } else {
                cur = { lo: r.lo, hi: r.hi };
                u.items.push(cur);
            }
        }
        return u;
    }

    intersects(r: Interval): boolean {
        const k = firstEndingAtOrAfter(this.items, r.lo);
        return k < this.items.length && this.items[k].lo <= r.hi;
    }

    add(r: Interval): void {
        let k = firstEndingAtOrAfter(this.items, r.lo - 1);
        let lo = r.lo;
        let hi = r.hi;
        const start = k;
        while (k < this.items.length && this.items[k].lo <= r.hi + 1) {
            lo = Math.min(lo, this.items[k].lo);
            hi = Math.max(hi, this.items[k].hi);
            k++;
        }
        this.items.splice(start, k - start, { lo, hi });
    }

    /** The merged intervals, in address order. */
    get intervals(): readonly Interval[] {
        return this.items;
    }

    /** How many addresses of `r` the union covers. */
    sizeWithin(r: Interval): number {
        let n = 0;
        for (const i of this.items)
            n += Math.max(0, Math.min(i.hi, r.hi) - Math.max(i.lo, r.lo) + 1);
        return n;
    }

    /** The first interval in the union that ends at or after `x`, if any. */
    nextAtOrAfter(x: number): Interval | undefined {
        return this.items[firstEndingAtOrAfter(this.items, x)];
    }
}
