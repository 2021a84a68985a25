import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import * as zlib from "node:zlib";
import { OutputCapture, findLeaks, scannableTexts, unzipMembers } from "./secretScan";

/** A minimal zip writer (one stored and one deflated member), enough to test the reader. */
function zip(members: { name: string; data: Buffer; deflate: boolean }[]): Buffer {
    const locals: Buffer[] = [];
    const centrals: Buffer[] = [];
    let offset = 0;
    for (const m of members) {
        const body = m.deflate ? zlib.deflateRawSync(m.data) : m.data;
        const name = Buffer.from(m.name);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(m.deflate ? 8 : 0, 8);
        local.writeUInt32LE(body.length, 18);
        local.writeUInt32LE(m.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0);
        central.writeUInt16LE(m.deflate ? 8 : 0, 10);
        central.writeUInt32LE(body.length, 20);
        central.writeUInt32LE(m.data.length, 24);
        central.writeUInt16LE(name.length, 28);
        central.writeUInt32LE(offset, 42);
        locals.push(local, name, body);
        centrals.push(central, name);
        offset += 30 + name.length + body.length;
    }
    const cd = Buffer.concat(centrals);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(members.length, 8);
    end.writeUInt16LE(members.length, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(offset, 16);
    return Buffer.concat([...locals, cd, end]);
}

describe("e2e secret scan", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-scan-"));
    const secret = "s3cr3t-value-0123456789";
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("finds a secret in plain, gzipped and zipped files, naming the member", () => {
        const plain = path.join(dir, "a.log");
        const gz = path.join(dir, "lab.json.gz");
        const zipped = path.join(dir, "backups.zip");
        fs.writeFileSync(plain, `x ${secret} y`);
        fs.writeFileSync(gz, zlib.gzipSync(`{"v":"${secret}"}`));
        fs.writeFileSync(
            zipped,
            zip([
                { name: "clean.json", data: Buffer.from("{}"), deflate: false },
                { name: "leak.json", data: Buffer.from(`{"v":"${secret}"}`), deflate: true },
            ]),
        );
        const texts = [plain, gz, zipped].flatMap(scannableTexts);
        assert.deepEqual(
            texts.map((t) => [path.basename(t.where), t.decompressed]),
            [
                ["a.log", false],
                ["lab.json.gz", true],
                ["backups.zip!clean.json", true],
                ["backups.zip!leak.json", true],
            ],
        );
        assert.deepEqual(
            findLeaks(texts, { token: secret }).map((l) => path.basename(l.where)),
            ["a.log", "lab.json.gz", "backups.zip!leak.json"],
        );
        assert.equal(unzipMembers(fs.readFileSync(zipped)).length, 2);
    });

    it("refuses a binary file it cannot read, and a needle too short to mean anything", () => {
        const bin = path.join(dir, "state.zst");
        fs.writeFileSync(bin, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 1, 2]));
        assert.throws(() => scannableTexts(bin), /binary in a format the scan cannot read/);
        assert.throws(() => findLeaks([], { short: "abc" }), /too short/);
    });

    it("captures what is written to the streams, and still writes it through", () => {
        const out = new PassThrough();
        const err = new PassThrough();
        const c = new OutputCapture([out, err]).start();
        out.write(Buffer.from("reporter line\n"));
        err.write("capture probe\n");
        c.stop();
        err.write("after stop\n");
        assert.equal(c.text(), "reporter line\ncapture probe\n");
        assert.equal(String(err.read()), "capture probe\nafter stop\n", "still written through");
    });
});
