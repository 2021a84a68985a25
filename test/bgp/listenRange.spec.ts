import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { types } from "../../components/constants";
import {
    BgpListenRange,
    assertAsNumber,
    assertCidr,
    listenRangeCreateCommand,
    listenRangeDeleteCommand,
    listenRangeSpec,
    peerGroupName,
    shellQuote,
} from "../../components/bgp/listenRange";
import { RegionConfig } from "../../components/config/types";
import { sampleCluster, samplePlan, sampleRegion } from "../support/sampleRegion";
import { RecordingMocks, installMocks, settle, unwrap } from "../support/mocks";

// The mock monitor keeps every registration by URN (sdk/nodejs/runtime/mocks.ts).
interface MonitorWithResources {
    resources: Map<string, { urn: string }>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function spec(routerIndex = 0, vtysh = "vtysh") {
    const region = sampleRegion();
    return listenRangeSpec(
        region,
        region.bgp.routers[routerIndex],
        sampleCluster("c1"),
        samplePlan("c1"),
        vtysh,
    );
}

describe("bgp listen range: command strings", () => {
    it("derives the spec from region, router, cluster and IP plan", () => {
        assert.deepEqual(spec(), {
            routerAsNumber: 65000,
            peerGroup: "fleet-eu1-c1",
            listenRange: "10.20.4.0/26",
            remoteAs: 64512,
            podCidr: "10.128.0.0/16",
            vtysh: "vtysh",
        });
    });

    it("create adds peer-group, remote-as, listen range, policies and persists", () => {
        const cmd = listenRangeCreateCommand(spec());
        assert.equal(
            cmd,
            "set -eu\n" +
                "vtysh -c 'configure terminal'" +
                " -c 'ip prefix-list fleet-eu1-c1-pods seq 5 permit 10.128.0.0/16 le 32'" +
                " -c 'route-map fleet-eu1-c1-in permit 10'" +
                " -c 'match ip address prefix-list fleet-eu1-c1-pods' -c 'exit'" +
                " -c 'route-map fleet-eu1-c1-out deny 10' -c 'exit'" +
                " -c 'router bgp 65000'" +
                " -c 'neighbor fleet-eu1-c1 peer-group'" +
                " -c 'neighbor fleet-eu1-c1 remote-as 64512'" +
                " -c 'bgp listen range 10.20.4.0/26 peer-group fleet-eu1-c1'" +
                " -c 'address-family ipv4 unicast'" +
                " -c 'neighbor fleet-eu1-c1 activate'" +
                " -c 'neighbor fleet-eu1-c1 route-map fleet-eu1-c1-in in'" +
                " -c 'neighbor fleet-eu1-c1 route-map fleet-eu1-c1-out out'" +
                " -c 'exit-address-family' -c 'end' -c 'write memory'\n",
        );
    });

    it("delete removes only lines present in the running config", () => {
        const cmd = listenRangeDeleteCommand(spec());
        assert.match(cmd, /^set -eu\ncfg=\$\(vtysh -c 'show running-config'\)\n/);
        for (const guarded of [
            "if has 'bgp listen range 10.20.4.0/26 peer-group fleet-eu1-c1'; then",
            "if has 'neighbor fleet-eu1-c1 peer-group'; then",
            "if has 'route-map fleet-eu1-c1-in permit 10'; then",
            "if has 'route-map fleet-eu1-c1-out deny 10'; then",
            "if has 'ip prefix-list fleet-eu1-c1-pods seq 5 permit 10.128.0.0/16 le 32'; then",
        ]) {
            assert.ok(cmd.includes(guarded), `missing guard: ${guarded}`);
        }
        assert.ok(cmd.includes("-c 'no bgp listen range 10.20.4.0/26 peer-group fleet-eu1-c1'"));
        assert.ok(cmd.includes("-c 'no neighbor fleet-eu1-c1 peer-group'"));
        assert.ok(cmd.includes(`if [ "$#" -gt 0 ]; then`));
    });

    it("is deterministic", () => {
        assert.equal(listenRangeCreateCommand(spec()), listenRangeCreateCommand(spec()));
        assert.equal(listenRangeDeleteCommand(spec()), listenRangeDeleteCommand(spec()));
    });

    it("rejects inputs that are not CIDRs, AS numbers or names (no shell injection)", () => {
        const base = spec();
        assert.throws(
            () => listenRangeCreateCommand({ ...base, listenRange: "10.20.4.0/26' ; reboot '" }),
            /listenRange: .* is not an IPv4 CIDR/,
        );
        assert.throws(
            () => listenRangeCreateCommand({ ...base, podCidr: "10.128.0.1/16" }),
            /podCidr: "10.128.0.1\/16" has host bits set; write it as "10.128.0.0\/16"/,
        );
        assert.throws(
            () => listenRangeCreateCommand({ ...base, remoteAs: 1.5 }),
            /remoteAs: 1.5 is not a usable BGP AS number/,
        );
        assert.throws(
            () => listenRangeCreateCommand({ ...base, routerAsNumber: 4294967296 }),
            /routerAsNumber/,
        );
        assert.throws(
            () => listenRangeCreateCommand({ ...base, peerGroup: "fleet-x; reboot" }),
            /peerGroup/,
        );
        assert.throws(
            () => listenRangeDeleteCommand({ ...base, vtysh: "vtysh $(reboot)" }),
            /vtysh: .* must be plain command words/,
        );
        assert.throws(
            () => peerGroupName("eu1", "C1;x"),
            /cluster name: "C1;x" must be a DNS-1123/,
        );
        assert.throws(
            () => listenRangeCreateCommand({ ...base, remoteAs: 65000 }),
            /cluster AS 65000 equals the router AS/,
        );
        assert.throws(
            () => assertCidr("f", "10.0.0.0/33"),
            /f: "10.0.0.0\/33" is not an IPv4 CIDR/,
        );
        assert.throws(() => assertAsNumber("f", 23456), /f: 23456/);
    });

    it("names the config field in errors from listenRangeSpec", () => {
        const region = sampleRegion();
        const cluster = { ...sampleCluster("c1"), bgp: { asNumber: 0 } };
        assert.throws(
            () => listenRangeSpec(region, region.bgp.routers[0], cluster, samplePlan("c1")),
            /clusters\[c1\]\.bgp\.asNumber: 0 is not a usable BGP AS number/,
        );
    });

    it("shellQuote survives single quotes", () => {
        const out = execFileSync("sh", ["-c", `printf '%s' ${shellQuote("a'b\"c $x")}`]).toString();
        assert.equal(out, "a'b\"c $x");
    });
});

// A stand-in for FRR's vtysh with the semantics the scripts rely on: re-adding existing config is
// accepted, removing config that is absent is an error (as in FRR), `router bgp` with another AS
// than the running one is an error, commands run in order and the first failure exits 1.
const FAKE_VTYSH = String.raw`#!/usr/bin/env node
const fs = require("fs");
const file = process.env.FAKE_VTYSH_STATE;
const st = JSON.parse(fs.readFileSync(file, "utf8"));
const cmds = [];
for (let i = 2; i < process.argv.length; i++) {
    if (process.argv[i] === "-c") cmds.push(process.argv[++i]);
    else fail("unknown vtysh option " + process.argv[i]);
}
st.calls.push(cmds);
function save() { fs.writeFileSync(file, JSON.stringify(st)); }
function fail(msg) { save(); process.stderr.write("% " + msg + "\n"); process.exit(1); }
function pg(name) { if (!st.bgp || !st.bgp.groups[name]) fail("Create the peer-group first"); return st.bgp.groups[name]; }
let ctx = "exec", rm = null, m;
for (const c of cmds) {
    if (c === "show running-config") { process.stdout.write(render()); continue; }
    if (c === "write memory") { st.writes++; continue; }
    if (c === "configure terminal") { ctx = "config"; continue; }
    if (c === "end") { ctx = "exec"; continue; }
    if (ctx === "config") {
        if ((m = /^ip prefix-list (\S+) seq (\d+) (permit|deny) (\S+)( le \d+)?$/.exec(c))) { (st.pl[m[1]] = st.pl[m[1]] || {})[m[2]] = c; continue; }
        if ((m = /^no ip prefix-list (\S+)$/.exec(c))) { if (!st.pl[m[1]]) fail("Can't find specified prefix-list"); delete st.pl[m[1]]; continue; }
        if ((m = /^route-map (\S+) (permit|deny) (\d+)$/.exec(c))) { rm = (st.rm[m[1]] = st.rm[m[1]] || {}); rm[m[3]] = rm[m[3]] || { head: c, body: [] }; rm = rm[m[3]]; ctx = "rm"; continue; }
        if ((m = /^no route-map (\S+)$/.exec(c))) { if (!st.rm[m[1]]) fail("Could not find route-map " + m[1]); delete st.rm[m[1]]; continue; }
        if ((m = /^router bgp (\d+)$/.exec(c))) {
            if (st.bgp && st.bgp.as !== m[1]) fail("BGP instance is already running; AS is " + st.bgp.as);
            st.bgp = st.bgp || { as: m[1], groups: {}, ranges: {} }; ctx = "bgp"; continue;
        }
    } else if (ctx === "rm") {
        if ((m = /^match ip address prefix-list (\S+)$/.exec(c))) { if (!rm.body.includes(c)) rm.body.push(c); continue; }
        if (c === "exit") { ctx = "config"; continue; }
    } else if (ctx === "bgp") {
        if ((m = /^neighbor (\S+) peer-group$/.exec(c))) { st.bgp.groups[m[1]] = st.bgp.groups[m[1]] || { lines: [], af: [] }; continue; }
        if ((m = /^no neighbor (\S+) peer-group$/.exec(c))) {
            pg(m[1]); delete st.bgp.groups[m[1]];
            for (const r of Object.keys(st.bgp.ranges)) if (st.bgp.ranges[r] === m[1]) delete st.bgp.ranges[r];
            continue;
        }
        if ((m = /^neighbor (\S+) remote-as (\d+)$/.exec(c))) { const g = pg(m[1]); g.lines = g.lines.filter((l) => !/ remote-as /.test(l)).concat([c]); continue; }
        if ((m = /^bgp listen range (\S+) peer-group (\S+)$/.exec(c))) {
            pg(m[2]);
            if (st.bgp.ranges[m[1]] && st.bgp.ranges[m[1]] !== m[2]) fail("Same listen range is attached to peer-group " + st.bgp.ranges[m[1]]);
            st.bgp.ranges[m[1]] = m[2]; continue;
        }
        if ((m = /^no bgp listen range (\S+) peer-group (\S+)$/.exec(c))) { if (st.bgp.ranges[m[1]] !== m[2]) fail("Listen range doesn't exist"); delete st.bgp.ranges[m[1]]; continue; }
        if (c === "address-family ipv4 unicast") { ctx = "af"; continue; }
        if (c === "exit") { ctx = "config"; continue; }
    } else if (ctx === "af") {
        if ((m = /^neighbor (\S+) (activate|route-map \S+ (in|out))$/.exec(c))) {
            const g = pg(m[1]);
            if (m[3]) g.af = g.af.filter((l) => !l.endsWith(" " + m[3]));
            if (!g.af.includes(c)) g.af.push(c);
            continue;
        }
        if (c === "exit-address-family") { ctx = "bgp"; continue; }
    }
    fail("Unknown command: " + c);
}
save();
function render() {
    const out = ["frr version 10.2", "!"];
    for (const n of Object.keys(st.pl).sort()) for (const s of Object.keys(st.pl[n]).sort()) out.push(st.pl[n][s]);
    for (const n of Object.keys(st.rm).sort()) for (const s of Object.keys(st.rm[n]).sort()) { out.push("!", st.rm[n][s].head, ...st.rm[n][s].body.map((b) => " " + b), "exit"); }
    if (st.bgp) {
        out.push("!", "router bgp " + st.bgp.as);
        for (const g of Object.keys(st.bgp.groups).sort()) out.push(" neighbor " + g + " peer-group", ...st.bgp.groups[g].lines.map((l) => " " + l));
        for (const r of Object.keys(st.bgp.ranges).sort()) out.push(" bgp listen range " + r + " peer-group " + st.bgp.ranges[r]);
        out.push(" !", " address-family ipv4 unicast");
        for (const g of Object.keys(st.bgp.groups).sort()) out.push(...st.bgp.groups[g].af.map((l) => "  " + l));
        out.push(" exit-address-family", "exit");
    }
    out.push("!", "end");
    return out.join("\n") + "\n";
}
`;

describe("bgp listen range: scripts against a fake FRR vtysh", () => {
    let dir: string;
    let vtysh: string;
    let stateFile: string;
    // An FRR router that already runs BGP AS 65000 with an unrelated peer group.
    const initial = () => ({
        calls: [] as string[][],
        writes: 0,
        pl: { "core-in": { "5": "ip prefix-list core-in seq 5 permit 0.0.0.0/0" } },
        rm: {},
        bgp: {
            as: "65000",
            groups: { core: { lines: ["neighbor core remote-as 65100"], af: [] } },
            ranges: {},
        },
    });
    type State = ReturnType<typeof initial>;
    const read = (): State => JSON.parse(fs.readFileSync(stateFile, "utf8"));
    const config = (s: State) => ({ pl: s.pl, rm: s.rm, bgp: s.bgp });
    const run = (script: string) =>
        spawnSync("sh", ["-c", script], {
            env: { ...process.env, FAKE_VTYSH_STATE: stateFile },
            encoding: "utf8",
        });

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-vtysh-"));
        vtysh = path.join(dir, "vtysh");
        stateFile = path.join(dir, "state.json");
        fs.writeFileSync(vtysh, FAKE_VTYSH, { mode: 0o755 });
        fs.writeFileSync(stateFile, JSON.stringify(initial()));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("create is idempotent and delete restores the router's previous config", () => {
        const s = spec(0, vtysh);
        const before = config(read());

        const first = run(listenRangeCreateCommand(s));
        assert.equal(first.status, 0, first.stderr);
        const afterOne = config(read());
        assert.deepEqual(afterOne.bgp.ranges, { "10.20.4.0/26": "fleet-eu1-c1" });
        assert.deepEqual((afterOne.bgp.groups as Record<string, unknown>)["fleet-eu1-c1"], {
            lines: ["neighbor fleet-eu1-c1 remote-as 64512"],
            af: [
                "neighbor fleet-eu1-c1 activate",
                "neighbor fleet-eu1-c1 route-map fleet-eu1-c1-in in",
                "neighbor fleet-eu1-c1 route-map fleet-eu1-c1-out out",
            ],
        });

        const second = run(listenRangeCreateCommand(s));
        assert.equal(second.status, 0, second.stderr);
        assert.deepEqual(config(read()), afterOne, "second create changed the config");
        assert.equal(read().writes, 2);

        const del = run(listenRangeDeleteCommand(s));
        assert.equal(del.status, 0, del.stderr);
        assert.deepEqual(config(read()), before, "delete left config behind or removed too much");

        const callsBefore = read().calls.length;
        const again = run(listenRangeDeleteCommand(s));
        assert.equal(again.status, 0, again.stderr);
        // Only the running-config read happened; no configuration session was opened.
        assert.deepEqual(read().calls.slice(callsBefore), [["show running-config"]]);
        assert.equal(read().writes, 3);
    });

    it("delete of a half-created config removes what exists", () => {
        const s = spec(0, vtysh);
        const st = initial();
        (st.bgp.groups as Record<string, unknown>)["fleet-eu1-c1"] = { lines: [], af: [] };
        fs.writeFileSync(stateFile, JSON.stringify(st));
        const del = run(listenRangeDeleteCommand(s));
        assert.equal(del.status, 0, del.stderr);
        assert.deepEqual(config(read()), config(initial()));
    });

    it("create fails loudly when the router runs BGP under another AS", () => {
        const st = initial();
        st.bgp.as = "65001";
        fs.writeFileSync(stateFile, JSON.stringify(st));
        const res = run(listenRangeCreateCommand(spec(0, vtysh)));
        assert.notEqual(res.status, 0);
        assert.match(res.stderr, /AS is 65001/);
    });
});

describe("BgpListenRange component (mocks)", () => {
    const mocks = new RecordingMocks();
    const registered = mocks.resources;

    before(async () => {
        await installMocks("stack", false, mocks);
    });
    beforeEach(() => mocks.reset());

    // Child URNs resolve only after the mock saw the registration: a barrier for `registered`.
    const settleComponent = async (c: BgpListenRange) => {
        await settle([c, ...Object.values(c.commands)]);
        return unwrap(c.urn);
    };

    it("registers one remote.Command per router with ssh, with create/delete/triggers", async () => {
        const region = sampleRegion();
        const comp = new BgpListenRange("c1-bgp", {
            region,
            cluster: sampleCluster("c1"),
            plan: samplePlan("c1"),
            privateKey: pulumi.secret("-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n"),
            hostKeys: {
                "tor-a": "ssh-ed25519 AAAAtorA",
                "tor-b": "ssh-ed25519 AAAAtorB",
            },
        });
        const urn = await settleComponent(comp);
        assert.ok(urn.endsWith(`::${types.BgpListenRange}::c1-bgp`), urn);
        const cmds = registered.filter((r) => r.type === types.RemoteCommand);
        assert.deepEqual(cmds.map((c) => c.name).sort(), ["c1-bgp-tor-a", "c1-bgp-tor-b"]);
        assert.deepEqual(comp.routers, ["tor-a", "tor-b"]);

        for (const [i, c] of [...cmds].sort((a, b) => a.name.localeCompare(b.name)).entries()) {
            const s = listenRangeSpec(
                region,
                region.bgp.routers[i],
                sampleCluster("c1"),
                samplePlan("c1"),
            );
            assert.equal(c.inputs.create, listenRangeCreateCommand(s));
            assert.equal(c.inputs.delete, listenRangeDeleteCommand(s));
            assert.deepEqual(c.inputs.triggers, [
                region.bgp.routers[i].ssh!.host,
                65000,
                "fleet-eu1-c1",
                "10.20.4.0/26",
                64512,
                "10.128.0.0/16",
            ]);
            // The whole connection (with the private key) reaches the engine as a secret.
            assert.equal(c.inputs.connection[SECRET_SIG], "1b47061264138c4ac30d75fd1eb44270");
            const conn = c.inputs.connection.value;
            assert.equal(conn.host, region.bgp.routers[i].ssh!.host);
            assert.equal(conn.port, region.bgp.routers[i].ssh!.port);
            assert.equal(conn.user, "fleet");
            assert.match(conn.hostKey, /^ssh-ed25519 AAAAtor[AB]$/);
        }
        // Children are parented to the component (URN type chain).
        const children = [
            ...(pulumi.runtime.getMonitor() as unknown as MonitorWithResources).resources.values(),
        ].filter((r) => r.urn.includes(`${types.BgpListenRange}$${types.RemoteCommand}::c1-bgp-`));
        assert.equal(children.length, 2);
    });

    it("skips routers without ssh and creates nothing when none has it", async () => {
        const base = sampleRegion();
        const region: RegionConfig = {
            ...base,
            bgp: { routers: [base.bgp.routers[0], { ...base.bgp.routers[1], ssh: undefined }] },
        };
        const one = new BgpListenRange("c2-bgp", {
            region,
            cluster: sampleCluster("c2"),
            plan: samplePlan("c2"),
            privateKey: pulumi.secret("k"),
            hostKeys: { "tor-a": "ssh-ed25519 AAAA" },
        });
        await settleComponent(one);
        assert.deepEqual(
            registered.filter((r) => r.type === types.RemoteCommand).map((r) => r.name),
            ["c2-bgp-tor-a"],
        );

        registered.splice(0);
        const none = new BgpListenRange("c3-bgp", {
            region: {
                ...base,
                bgp: { routers: base.bgp.routers.map((r) => ({ ...r, ssh: undefined })) },
            },
            cluster: sampleCluster("c2"),
            plan: samplePlan("c2"),
            privateKey: pulumi.secret("k"),
        });
        await settleComponent(none);
        assert.equal(registered.filter((r) => r.type === types.RemoteCommand).length, 0);
        assert.deepEqual(none.routers, []);
    });

    it("rejects a bad ssh port with the field name", () => {
        const base = sampleRegion();
        const router = { ...base.bgp.routers[0], ssh: { host: "r", port: 70000, user: "u" } };
        assert.throws(
            () =>
                new BgpListenRange("bad", {
                    region: { ...base, bgp: { routers: [router] } },
                    cluster: sampleCluster("c1"),
                    plan: samplePlan("c1"),
                    privateKey: pulumi.secret("k"),
                }),
            /bgp\.routers\[tor-a\]\.ssh\.port: 70000 is not a TCP port/,
        );
    });
});
