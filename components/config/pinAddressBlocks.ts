// Writes `addressBlock: <cidr>` into clusters of a Pulumi.<stack>.yaml text, keeping everything
// else byte for byte (comments, layout, secure values): a line is inserted after the cluster's
// `name:` line, or `, addressBlock: <cidr>` added to a one-line `- {name: ...}` item. The result is
// parsed again and must equal the original plus exactly those keys, or nothing is returned.
import { isDeepStrictEqual } from "node:util";
import * as yaml from "js-yaml";
import { PROJECT } from "../constants";

export interface Pin {
    readonly name: string;
    readonly block: string;
}

const KEY = `${PROJECT}:clusters`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const indentOf = (l: string) => /^\s*/.exec(l)![0].length;
const isBlankOrComment = (l: string) => /^\s*(#.*)?\r?$/.test(l);

/** The line range of the clusters sequence and the column of its items' dashes. */
function clustersBlock(lines: readonly string[]): { start: number; end: number; dash: number } {
    const head = lines.findIndex((l) => new RegExp(`^\\s*(["']?)${escape(KEY)}\\1:`).test(l));
    if (head < 0) throw new Error(`no ${KEY} key in the stack file`);
    if (!/:\s*(#.*)?\r?$/.test(lines[head])) {
        throw new Error(`${KEY} is written on one line (flow style); pin addressBlock by hand`);
    }
    const keyIndent = indentOf(lines[head]);
    let end = head + 1;
    while (
        end < lines.length &&
        (isBlankOrComment(lines[end]) || indentOf(lines[end]) > keyIndent)
    ) {
        end++;
    }
    const first = lines.slice(head + 1, end).find((l) => /^\s*- /.test(l));
    if (first === undefined) throw new Error(`${KEY} has no block-style list items`);
    return { start: head + 1, end, dash: indentOf(first) };
}

/** A name with none of the characters that may follow it on its line (quote, space, "#", ",",
 *  "}"): such a name is the whole token after `name:`, so the index below finds its lines. */
const NAME_TOKEN = /^[^\s"'#,}]+$/;

/**
 * One pass over the clusters sequence: the key column of the list item each line belongs to (-1
 * before the first item), and for each name written after a `name:` the lines it appears on, so
 * that each pin looks at those lines instead of the whole sequence.
 */
function scanItems(lines: readonly string[], start: number, end: number, dash: number) {
    const keyColumns: number[] = [];
    const named = new Map<string, number[]>();
    const token = /\s*["']?([^\s"'#,}]+)/y;
    let column = -1;
    for (let i = start; i < end; i++) {
        const l = lines[i];
        if (indentOf(l) === dash && /^\s*- /.test(l)) column = /^\s*- +/.exec(l)![0].length;
        keyColumns[i] = column;
        for (let k = l.indexOf("name:"); k >= 0; k = l.indexOf("name:", k + 1)) {
            token.lastIndex = k + "name:".length;
            const t = token.exec(l)?.[1];
            if (t === undefined) continue;
            const at = named.get(t) ?? [];
            if (at[at.length - 1] !== i) at.push(i);
            named.set(t, at);
        }
    }
    return { keyColumns, named };
}

/** Returns the edited text; throws when a cluster cannot be found or edited safely. */
export function pinAddressBlocks(text: string, pins: readonly Pin[]): string {
    const lines = text.split("\n");
    const eol = lines[0]?.endsWith("\r") ? "\r" : "";
    const { start, end, dash } = clustersBlock(lines);
    const { keyColumns, named } = scanItems(lines, start, end, dash);
    const all = Array.from({ length: end - start }, (_, k) => start + k);
    const edits: { at: number; insert?: string; replace?: string }[] = [];
    for (const { name, block } of pins) {
        const quoted = `(["']?)${escape(name)}\\2`;
        // Block item: "- name: x" on the dash line, or "name: x" at the item's key column.
        const blockName = new RegExp(`^(\\s*- +|\\s*)name:\\s*${quoted}\\s*(#.*)?\\r?$`);
        const flowItem = new RegExp(
            `^(\\s*- +\\{.*\\bname:\\s*${quoted}\\s*(,.*)?)\\}(\\s*(#.*)?\\r?)$`,
        );
        let found = false;
        for (const i of NAME_TOKEN.test(name) ? (named.get(name) ?? []) : all) {
            if (found) break;
            const l = lines[i];
            const itemKeyColumn = keyColumns[i];
            const b = blockName.exec(l);
            if (
                b &&
                b[1].length === itemKeyColumn &&
                (b[1].includes("-") ? indentOf(l) === dash : true)
            ) {
                edits.push({
                    at: i + 1,
                    insert: `${" ".repeat(itemKeyColumn)}addressBlock: ${block}${eol}`,
                });
                found = true;
            }
            const f = indentOf(l) === dash ? flowItem.exec(l) : null;
            if (f) {
                edits.push({ at: i, replace: `${f[1]}, addressBlock: ${block}}${f[4]}` });
                found = true;
            }
        }
        if (!found)
            throw new Error(`cluster "${name}" not found in ${KEY}; pin addressBlock by hand`);
    }
    for (const e of [...edits].sort((a, b) => b.at - a.at)) {
        if (e.insert !== undefined) lines.splice(e.at, 0, e.insert);
        else lines[e.at] = e.replace!;
    }
    const out = lines.join("\n");
    verify(text, out, pins);
    return out;
}

/** The edited document must be the original with exactly the pinned addressBlocks added. */
function verify(before: string, after: string, pins: readonly Pin[]): void {
    const expected = yaml.load(before) as { config: Record<string, unknown> };
    const clusters = expected.config[KEY] as Record<string, unknown>[];
    for (const { name, block } of pins) {
        const c = clusters.find((x) => x.name === name);
        if (c) c.addressBlock = block;
    }
    if (!isDeepStrictEqual(yaml.load(after), expected)) {
        throw new Error(
            `editing ${KEY} would change more than addressBlock; pin addressBlock by hand`,
        );
    }
}
