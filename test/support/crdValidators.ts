// Validators for every CRD under ../shared/crds, by apiVersion and kind, compiled once per process
// (whole-program specs and the config fuzzing check each registered custom resource with them).
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { CrdValidator, loadCrdValidator, sharedPath } from "./crdSchema";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let index: Map<string, string> | undefined;

/** Every CRD file under ../shared/crds, indexed by "group/kind". */
function crdIndex(): Map<string, string> {
    if (index) return index;
    const root = sharedPath("crds");
    const out = new Map<string, string>();
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (p.endsWith(".yaml")) {
                const doc = yaml.load(fs.readFileSync(p, "utf8")) as Obj;
                if (doc?.kind === "CustomResourceDefinition") {
                    out.set(`${doc.spec.group}/${doc.spec.names.kind}`, p);
                }
            }
        }
    };
    walk(root);
    index = out;
    return out;
}

const validators = new Map<string, CrdValidator>();

/** The strict validator of the CRD that serves `apiVersion`/`kind`; fails if there is none. */
export function validatorFor(apiVersion: string, kind: string): CrdValidator {
    const key = `${apiVersion}/${kind}`;
    let v = validators.get(key);
    if (!v) {
        const [group, version] = apiVersion.split("/");
        const file = crdIndex().get(`${group}/${kind}`);
        assert.ok(file, `no CRD in ../shared/crds for ${group}/${kind}`);
        v = loadCrdValidator(file, version);
        validators.set(key, v);
    }
    return v;
}

/** Schema problems of custom resources, each prefixed with the object's kind and name. */
export function crdProblems(objects: readonly Obj[]): string[] {
    return objects.flatMap((o) =>
        validatorFor(o.apiVersion, o.kind)(o).map((e) => `${o.kind} ${o.metadata?.name}: ${e}`),
    );
}
