// The lab's source server for Argo CD (scripts/lab/argocd.sh starts it): one HTTPS listener on
// loopback, certificate from the lab Argo CD CA, serving
//   /git/<repo>.git/...   git's smart HTTP protocol through `git http-backend` (read-only:
//                         upload-pack only; the lab commits into the bare repository directly)
//   /charts/...           static files: a Helm chart repository (index.yaml + packaged charts)
// Nothing else; no directory listings, no path outside the two roots.
//
//   node -r ts-node/register/transpile-only scripts/lab/git-serve.ts \
//       --address 127.0.0.1 --port N --cert FILE --key FILE --git-root DIR --charts-root DIR
//
// It stops on SIGTERM/SIGINT. Every request is logged as one line (method, path, status).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import * as path from "node:path";
import { flagReader } from "./cliFlags";

export interface GitServeOptions {
    readonly address: string;
    readonly port: number;
    readonly cert: string;
    readonly key: string;
    readonly gitRoot: string;
    readonly chartsRoot: string;
}

function parseArgs(argv: readonly string[]): GitServeOptions {
    const get = flagReader("git-serve", argv);
    const port = Number(get("--port"));
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error("git-serve: --port must be a TCP port");
    }
    const address = get("--address");
    if (!address.startsWith("127.")) {
        throw new Error(`git-serve: --address ${address} is not a loopback address`);
    }
    return {
        address,
        port,
        cert: get("--cert"),
        key: get("--key"),
        gitRoot: path.resolve(get("--git-root")),
        chartsRoot: path.resolve(get("--charts-root")),
    };
}

/** The file under `root` that `rel` names, or undefined if it would leave `root`. */
export function within(root: string, rel: string): string | undefined {
    const p = path.resolve(root, "." + path.posix.normalize("/" + rel));
    return p === root || p.startsWith(root + path.sep) ? p : undefined;
}

const CONTENT_TYPES: Record<string, string> = {
    ".yaml": "application/x-yaml",
    ".tgz": "application/gzip",
};

function serveStatic(root: string, rel: string, res: ServerResponse): number {
    const file = within(root, decodeURIComponent(rel));
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end("not found\n");
        return 404;
    }
    res.writeHead(200, {
        "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
        "content-length": fs.statSync(file).size,
    });
    fs.createReadStream(file).pipe(res);
    return 200;
}

/** The CGI environment of `git http-backend` for one request (of this process's, only PATH). */
function cgiEnv(
    o: GitServeOptions,
    req: IncomingMessage,
    pathInfo: string,
    query: string,
): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: o.gitRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        HOME: o.gitRoot,
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: pathInfo,
        QUERY_STRING: query,
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
        REMOTE_ADDR: req.socket.remoteAddress ?? "",
        REMOTE_USER: "",
    };
}

/** A CGI response head: its Status header's code (200 without one) and the other headers. */
function parseCgiHead(text: string): { status: number; headers: Record<string, string> } {
    const headers: Record<string, string> = {};
    for (const line of text.split("\r\n")) {
        const i = line.indexOf(":");
        if (i > 0) {
            headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
    }
    let status = 200;
    if (headers.status) {
        status = Number(headers.status.split(" ")[0]) || 200;
        delete headers.status;
    }
    return { status, headers };
}

/**
 * Relays a CGI program's stdout to `res`: the head, once complete, becomes the response's status
 * and headers, the rest its body. `status` is undefined until the head was complete.
 */
function cgiRelay(res: ServerResponse): {
    write(chunk: Buffer): void;
    status(): number | undefined;
} {
    let head = Buffer.alloc(0);
    let status: number | undefined;
    return {
        write(chunk) {
            if (status !== undefined) {
                res.write(chunk);
                return;
            }
            head = Buffer.concat([head, chunk]);
            const end = head.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            const parsed = parseCgiHead(head.subarray(0, end).toString("latin1"));
            status = parsed.status;
            res.writeHead(status, parsed.headers);
            res.write(head.subarray(end + 4));
        },
        status: () => status,
    };
}

/** Runs `git http-backend` as CGI for one request and relays its response. */
function serveGit(
    o: GitServeOptions,
    log: (line: string) => void,
    req: IncomingMessage,
    res: ServerResponse,
    pathInfo: string,
    query: string,
): Promise<number> {
    return new Promise((resolve) => {
        const child = spawn("git", ["http-backend"], {
            env: cgiEnv(o, req, pathInfo, query),
            stdio: ["pipe", "pipe", "pipe"],
        });
        req.pipe(child.stdin);
        const relay = cgiRelay(res);
        child.stdout.on("data", (chunk: Buffer) => relay.write(chunk));
        child.stderr.on("data", (d: Buffer) => log(`git http-backend: ${String(d).trim()}`));
        child.on("close", (code) => {
            const status = relay.status();
            if (status === undefined) {
                res.writeHead(500).end(`git http-backend exited with ${code}\n`);
                resolve(500);
            } else {
                res.end();
                resolve(status);
            }
        });
    });
}

/** Starts the server; `log` gets one line per request (default: stdout). */
export function startGitServe(
    o: GitServeOptions,
    log: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): https.Server {
    const server = https.createServer(
        { cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) },
        (req, res) => {
            const url = new URL(req.url ?? "/", "https://lab.invalid");
            const p = url.pathname;
            const done = (status: number) =>
                log(`${new Date().toISOString()} ${req.method} ${p} ${status}`);
            if (p.startsWith("/git/")) {
                // Receive-pack stays off: git http-backend refuses it for anonymous users.
                void serveGit(o, log, req, res, p.slice("/git".length), url.search.slice(1)).then(
                    done,
                );
            } else if (
                p.startsWith("/charts/") &&
                (req.method === "GET" || req.method === "HEAD")
            ) {
                done(serveStatic(o.chartsRoot, p.slice("/charts/".length), res));
            } else {
                res.writeHead(404).end("not found\n");
                done(404);
            }
        },
    );
    server.listen(o.port, o.address);
    return server;
}

if (require.main === module) {
    const o = parseArgs(process.argv.slice(2));
    const server = startGitServe(o);
    server.on("listening", () =>
        process.stdout.write(
            `git-serve: https://${o.address}:${o.port} (git ${o.gitRoot}, charts ${o.chartsRoot})\n`,
        ),
    );
    const stop = () => server.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
