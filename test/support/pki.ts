// Test PKI made with the openssl CLI: a CA and leaf certificates for 127.0.0.1 servers.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestCert {
    readonly certPem: string;
    readonly keyPem: string;
}

export interface TestCa extends TestCert {
    /** Issues a certificate signed by this CA; `server` adds IP:127.0.0.1 and DNS:localhost SANs. */
    issue(cn: string, kind: "server" | "client", org?: string): TestCert;
}

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates a fresh CA in a temp directory. Each call gives an unrelated CA. */
export function createTestCa(cn = "cluster-fleet test CA"): TestCa {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-pki-"));
    openssl(
        [
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            `/CN=${cn}`,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
        dir,
    );
    let serial = 0;
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    return {
        certPem: read("ca.crt"),
        keyPem: read("ca.key"),
        issue(leafCn, kind, org) {
            serial++;
            const base = `leaf${serial}`;
            const subj = org ? `/O=${org}/CN=${leafCn}` : `/CN=${leafCn}`;
            openssl(
                [
                    "req",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:P-256",
                    "-nodes",
                    "-keyout",
                    `${base}.key`,
                    "-out",
                    `${base}.csr`,
                    "-subj",
                    subj,
                ],
                dir,
            );
            const ext =
                kind === "server"
                    ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                    : "extendedKeyUsage=clientAuth\n";
            fs.writeFileSync(path.join(dir, `${base}.ext`), ext);
            openssl(
                [
                    "x509",
                    "-req",
                    "-in",
                    `${base}.csr`,
                    "-CA",
                    "ca.crt",
                    "-CAkey",
                    "ca.key",
                    "-set_serial",
                    String(1000 + serial),
                    "-days",
                    "2",
                    "-out",
                    `${base}.crt`,
                    "-extfile",
                    `${base}.ext`,
                ],
                dir,
            );
            return { certPem: read(`${base}.crt`), keyPem: read(`${base}.key`) };
        },
    };
}
