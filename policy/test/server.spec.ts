// The pack served by the real policy runtime: spawned the way the Pulumi CLI's Node.js language
// host runs a policy pack (run-policy-pack, ts-node with type checking and policy/tsconfig.json),
// then driven over gRPC like the engine does during a preview: configure with a stack's config
// file, then analyze resources whose props carry the engine's unknown and secret encodings. The
// same again for the JavaScript copy the pipeline driver compiles for runs of several regions
// (pipeline/policyBuild.ts): it must serve the same pack with the same findings.
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { types } from "../../components/constants";
import { buildPolicyPack, policyBuildParent } from "../../pipeline/policyBuild";
import { allPolicies } from "../policies";
import { TestResource, unknown, urnOf } from "../testing";
import {
    argoClusterSecret,
    c1,
    c2,
    controlPlane,
    ipPool,
    vcenterSecret,
    withProps,
} from "./fixtures";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const protoDir = path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"));
const pb = require(path.join(protoDir, "analyzer_pb"));
const rpc = require(path.join(protoDir, "analyzer_grpc_pb"));
const grpc = require(require.resolve("@grpc/grpc-js", { paths: [protoDir] }));
const fromProto = (m: string) => require(require.resolve(m, { paths: [protoDir] }));
const { Struct } = fromProto("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromProto("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const POLICY_DIR = path.resolve(__dirname, "..");
const REPO = path.resolve(POLICY_DIR, "..");
/** The engine's encoding of a secret value. */
const secret = (value: unknown) => ({
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    value,
});

interface Diagnostic {
    policy: string;
    level: "advisory" | "mandatory";
    message: string;
    urn: string;
}

function call<T>(client: any, method: string, req: unknown): Promise<T> {
    return new Promise((resolve, reject) =>
        client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))),
    );
}

function options(opts: TestResource["opts"] = {}) {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(opts.protect ?? false);
    o.setAdditionalsecretoutputsList(opts.additionalSecretOutputs ?? []);
    return o;
}

/** Type, name, URN, props and options, as the engine sends a resource to analyze. */
function describeResource<T>(req: T, r: TestResource): T {
    const m = req as any;
    m.setType(r.type);
    m.setName(r.name ?? "test");
    m.setUrn(urnOf(r.type, r.name ?? "test"));
    m.setProperties(Struct.fromJavaScript(r.props));
    m.setOptions(options(r.opts));
    return req;
}

function diagnostics(resp: any): Diagnostic[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: d.getEnforcementlevel() === pb.EnforcementLevel.MANDATORY ? "mandatory" : "advisory",
        message: d.getMessage(),
        urn: d.getUrn(),
    }));
}

/** The pack's directory as the engine is given it, and a clean-up. */
interface PackUnderTest {
    readonly dir: string;
    readonly remove: () => void;
}

const VARIANTS: Record<string, () => PackUnderTest> = {
    "policy/ (ts-node, type-checked)": () => ({ dir: POLICY_DIR, remove: () => undefined }),
    "the driver's compiled copy": () => {
        fs.mkdirSync(policyBuildParent(REPO), { recursive: true });
        const out = fs.mkdtempSync(path.join(policyBuildParent(REPO), "test-"));
        const built = buildPolicyPack(REPO, out);
        return { dir: built.packDir, remove: () => fs.rmSync(out, { recursive: true }) };
    },
};

for (const [variant, makePack] of Object.entries(VARIANTS)) describeServedPack(variant, makePack);

function describeServedPack(variant: string, makePack: () => PackUnderTest): void {
    describe(`policy pack served by the policy runtime: ${variant}`, function () {
        this.timeout(120_000);
        let child: ChildProcess;
        let client: any;
        let stderr = "";
        let pack: PackUnderTest | undefined;

        before(async () => {
            pack = makePack();
            const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
            child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], {
                cwd: pack.dir,
                stdio: ["ignore", "pipe", "pipe"],
            });
            child.stderr!.on("data", (b) => (stderr += b));
            const port = await new Promise<number>((resolve, reject) => {
                let out = "";
                child.stdout!.on("data", (b) => {
                    out += b;
                    const m = /^(\d+)\s/.exec(out);
                    if (m) {
                        resolve(Number(m[1]));
                    }
                });
                child.on("exit", (code) =>
                    reject(new Error(`pack exited with ${code}: ${stderr}`)),
                );
            });
            client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        });

        after(() => {
            client?.close();
            child?.kill();
            pack?.remove();
        });

        /** Like the engine: schema defaults, then the stack's file, sent through Configure. */
        async function configure(stack: string) {
            const file = JSON.parse(
                fs.readFileSync(path.join(POLICY_DIR, "config", `${stack}.json`), "utf8"),
            );
            const req = new pb.ConfigureAnalyzerRequest();
            for (const p of allPolicies) {
                const { enforcementLevel, ...props } = file[p.name];
                const defaults = Object.fromEntries(
                    Object.entries(p.configSchema?.properties ?? {}).map(([k, v]) => [
                        k,
                        v.default,
                    ]),
                );
                const pc = new pb.PolicyConfig();
                pc.setEnforcementlevel(
                    enforcementLevel === "mandatory"
                        ? pb.EnforcementLevel.MANDATORY
                        : pb.EnforcementLevel.ADVISORY,
                );
                pc.setProperties(Struct.fromJavaScript({ ...defaults, ...props }));
                req.getPolicyconfigMap().set(p.name, pc);
            }
            await call(client, "configure", req);
        }

        async function analyze(r: TestResource): Promise<Diagnostic[]> {
            const req = describeResource(new pb.AnalyzeRequest(), r);
            return diagnostics(await call(client, "analyze", req));
        }

        async function analyzeStack(resources: TestResource[]): Promise<Diagnostic[]> {
            const req = new pb.AnalyzeStackRequest();
            req.setResourcesList(
                resources.map((r) => describeResource(new pb.AnalyzerResource(), r)),
            );
            return diagnostics(await call(client, "analyzeStack", req));
        }

        it("loads and lists every policy", async () => {
            const info: any = await call(client, "getAnalyzerInfo", new Empty());
            assert.equal(info.getName(), "cluster-fleet");
            assert.equal(info.getVersion(), "0.1.0");
            assert.deepEqual(
                info
                    .getPoliciesList()
                    .map((p: any) => p.getName())
                    .sort(),
                allPolicies.map((p) => p.name).sort(),
            );
        });

        it("prod: a config-derived value unknown on preview is a mandatory violation", async () => {
            await configure("prod");
            const kcp = withProps(controlPlane(c1), (p) => (p.spec.replicas = unknown.string));
            const ds = await analyze(kcp);
            assert.deepEqual(
                ds.map((d) => [d.policy, d.level]),
                [["control-plane-replicas", "mandatory"]],
            );
            assert.match(ds[0].message, /not known at preview time/);
        });

        it("prod: a computed Argo CD config is deferred (advisory on preview), a known insecure one is mandatory", async () => {
            await configure("prod");
            const pending = withProps(
                argoClusterSecret(c1),
                (p) => (p.stringData.config = unknown.string),
            );
            let ds = await analyze(pending);
            assert.deepEqual(
                ds.map((d) => [d.policy, d.level]),
                [["argocd-cluster-secret-tls", "advisory"]],
            );
            assert.match(
                ds[0].message,
                /can't run policy 'argocd-cluster-secret-tls'.*during preview/,
            );
            const insecure = withProps(argoClusterSecret(c1), (p) => {
                p.stringData = secret({
                    ...p.stringData,
                    config: JSON.stringify({ tlsClientConfig: { insecure: true } }),
                });
            });
            ds = await analyze(insecure);
            assert.deepEqual(
                ds.map((d) => [d.policy, d.level]),
                [["argocd-cluster-secret-tls", "mandatory"]],
            );
        });

        it("dev: the same violations are advisory", async () => {
            await configure("dev");
            const ds = await analyze(withProps(controlPlane(c1), (p) => (p.spec.replicas = 2)));
            assert.deepEqual(
                ds.map((d) => [d.policy, d.level]),
                [["control-plane-replicas", "advisory"]],
            );
        });

        it("sees secret props unwrapped, so secretness is checked through additionalSecretOutputs", async () => {
            await configure("prod");
            const wrapped = withProps(
                vcenterSecret(c1),
                (p) => (p.stringData = secret(p.stringData)),
            );
            assert.deepEqual(await analyze(wrapped), []);
            const ds = await analyze({ ...wrapped, opts: { additionalSecretOutputs: [] } });
            assert.deepEqual(
                ds.map((d) => [d.policy, d.level]),
                [["credentials-as-secrets", "mandatory"]],
            );
            assert.ok(!ds[0].message.includes("not-a-real-password"));
        });

        it("reports stack policy violations against the offending resource", async () => {
            await configure("prod");
            const overlapping = withProps(
                ipPool(c2),
                (p) => (p.spec.addresses = ["10.20.4.50-10.20.4.70"]),
            );
            const ds = await analyzeStack([ipPool(c1), overlapping]);
            assert.deepEqual(
                ds.map((d) => [d.policy, d.level]),
                [["ip-address-plan", "mandatory"]],
            );
            assert.equal(ds[0].urn, urnOf(types.InClusterIPPool, "c2-nodes"));
        });
    });
}
