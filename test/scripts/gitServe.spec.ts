import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { startGitServe, within } from "../../scripts/lab/git-serve";
import { createTestCa } from "../support/pki";

const exec = promisify(execFile);

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        https
            .get(url, { ca }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (c: string) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            })
            .on("error", reject);
    });
}

describe("lab source server (scripts/lab/git-serve.ts)", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "git-serve-"));
    const ca = createTestCa();
    const leaf = ca.issue("git-serve", "server");
    let server: https.Server;
    let base: string;
    const requests: string[] = [];
    const git = (args: string[], cwd = dir) =>
        exec("git", args, {
            cwd,
            env: { ...process.env, GIT_SSL_CAINFO: path.join(dir, "ca.crt") },
        });

    before(async () => {
        fs.writeFileSync(path.join(dir, "ca.crt"), ca.certPem);
        fs.writeFileSync(path.join(dir, "tls.crt"), leaf.certPem);
        fs.writeFileSync(path.join(dir, "tls.key"), leaf.keyPem);
        fs.mkdirSync(path.join(dir, "git"));
        fs.mkdirSync(path.join(dir, "charts"));
        fs.writeFileSync(path.join(dir, "charts", "index.yaml"), "apiVersion: v1\nentries: {}\n");
        fs.writeFileSync(path.join(dir, "secret.txt"), "outside the roots");
        await git(["init", "-q", "--bare", "-b", "main", "git/cc.git"]);
        await git(["init", "-q", "-b", "main", "work"]);
        fs.writeFileSync(path.join(dir, "work", "a.yaml"), "a: 1\n");
        await git(["add", "a.yaml"], path.join(dir, "work"));
        await git(
            ["-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "-qm", "one"],
            path.join(dir, "work"),
        );
        await git(["push", "-q", path.join(dir, "git", "cc.git"), "main"], path.join(dir, "work"));
        server = startGitServe(
            {
                address: "127.0.0.1",
                port: 0,
                cert: path.join(dir, "tls.crt"),
                key: path.join(dir, "tls.key"),
                gitRoot: path.join(dir, "git"),
                chartsRoot: path.join(dir, "charts"),
            },
            (l) => requests.push(l),
        );
        await new Promise((r) => server.once("listening", r));
        base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(() => {
        server?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("serves a git repository over smart HTTP, TLS verified with the lab CA", async () => {
        const { stdout } = await git(["ls-remote", `${base}/git/cc.git`]);
        assert.match(stdout, /^[0-9a-f]{40}\trefs\/heads\/main$/m);
        assert.ok(
            requests.some((l) => / GET \/git\/cc\.git\/info\/refs 200$/.test(l)),
            "logged",
        );
        await git(["clone", "-q", `${base}/git/cc.git`, "clone"]);
        assert.equal(fs.readFileSync(path.join(dir, "clone", "a.yaml"), "utf8"), "a: 1\n");
    });

    it("refuses pushes (receive-pack is off)", async () => {
        await assert.rejects(
            git(["push", "-q", "origin", "HEAD:refs/heads/other"], path.join(dir, "clone")),
            /403|not enabled|unable to access/,
        );
    });

    it("serves the chart repository's files and nothing outside it", async () => {
        const idx = await get(`${base}/charts/index.yaml`, ca.certPem);
        assert.equal(idx.status, 200);
        assert.match(idx.body, /^apiVersion: v1/);
        for (const p of [
            "/charts/../secret.txt",
            "/charts/%2e%2e/secret.txt",
            "/secret.txt",
            "/charts/",
        ]) {
            assert.equal((await get(`${base}${p}`, ca.certPem)).status, 404, p);
        }
    });

    it("resolves paths only inside their root", () => {
        assert.equal(within("/srv/charts", "a/b.tgz"), "/srv/charts/a/b.tgz");
        assert.equal(within("/srv/charts", "../x"), "/srv/charts/x");
        assert.equal(within("/srv/charts", "a/../../x"), "/srv/charts/x");
    });

    it("refuses a non-loopback address", () => {
        assert.throws(
            () =>
                execFileSyncArgs([
                    "--address",
                    "0.0.0.0",
                    "--port",
                    "1",
                    "--cert",
                    "x",
                    "--key",
                    "x",
                    "--git-root",
                    dir,
                    "--charts-root",
                    dir,
                ]),
            /not a loopback address/,
        );
    });
});

function execFileSyncArgs(args: string[]): void {
    try {
        execFileSync(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", "scripts/lab/git-serve.ts", ...args],
            { stdio: "pipe", cwd: path.resolve(__dirname, "..", "..") },
        );
    } catch (e) {
        throw new Error(String((e as { stderr?: Buffer }).stderr ?? e));
    }
}
