// A minimal vSphere SOAP (vim25) client for the lab's vcsim: login, property retrieval through a
// container view, method calls and task waits. govc is not available in the lab and govmomi would
// need a Go build; the handful of calls the lab makes (inventory set-up, the simulated guest's
// address report, the e2e's checks) are plain SOAP. TLS is verified against the lab CA.
import * as https from "node:https";

/** A managed object reference, e.g. { type: "VirtualMachine", value: "vm-42" }. */
export interface MoRef {
    readonly type: string;
    readonly value: string;
}

/**
 * One element of a parsed XML document: element names without namespace prefix, attribute names
 * as written ("xsi:type" and "type" are different attributes of a ManagedObjectReference; vcsim
 * writes the former as "XMLSchema-instance:type").
 */
export interface XmlNode {
    readonly name: string;
    readonly attrs: Record<string, string>;
    readonly children: XmlNode[];
    text: string;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function unescapeXml(s: string): string {
    return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
        if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
        if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
        return ENTITIES[e] ?? m;
    });
}

export function escapeXml(s: string): string {
    return s.replace(
        /[<>&"']/g,
        (c) => `&${{ "<": "lt", ">": "gt", "&": "amp", '"': "quot", "'": "apos" }[c]};`,
    );
}

const localName = (q: string) => q.slice(q.indexOf(":") + 1);

/** Parses the XML a SOAP server returns (elements, attributes, text, CDATA; no DTDs). */
export function parseXml(xml: string): XmlNode {
    const root: XmlNode = { name: "#document", attrs: {}, children: [], text: "" };
    const stack: XmlNode[] = [root];
    const tag =
        /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<\?[^?]*\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>/g;
    let last = 0;
    for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
        const top = stack[stack.length - 1];
        top.text += unescapeXml(xml.slice(last, m.index));
        last = tag.lastIndex;
        if (m[5] !== undefined) {
            top.text += m[5];
        } else if (m[2] === undefined) {
            continue; // declaration or comment
        } else if (m[1] === "/") {
            if (stack.length < 2 || top.name !== localName(m[2])) {
                throw new Error(`malformed XML: unexpected </${m[2]}>`);
            }
            stack.pop();
        } else {
            const attrs: Record<string, string> = {};
            for (const a of m[3].matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
                attrs[a[1]] = unescapeXml(a[2] ?? a[3]);
            }
            const node: XmlNode = { name: localName(m[2]), attrs, children: [], text: "" };
            top.children.push(node);
            if (m[4] !== "/") stack.push(node);
        }
    }
    if (stack.length !== 1)
        throw new Error(`malformed XML: <${stack[stack.length - 1].name}> not closed`);
    return root;
}

export const child = (n: XmlNode | undefined, name: string) =>
    n?.children.find((c) => c.name === name);
export const childrenNamed = (n: XmlNode | undefined, name: string) =>
    n?.children.filter((c) => c.name === name) ?? [];
/** The node at a path of child names, e.g. path(res, "returnval", "objects"). */
export function path(n: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
    return names.reduce<XmlNode | undefined>((x, name) => child(x, name), n);
}
export const moRef = (n: XmlNode): MoRef => ({ type: n.attrs.type, value: n.text.trim() });
/** The XML schema type (xsi:type, whatever its prefix) of an element. */
export const xsiType = (n: XmlNode | undefined): string | undefined =>
    Object.entries(n?.attrs ?? {}).find(([k]) => k.endsWith(":type"))?.[1];
export const refXml = (tag: string, r: MoRef) =>
    `<${tag} type="${escapeXml(r.type)}">${escapeXml(r.value)}</${tag}>`;

export class SoapFault extends Error {
    constructor(
        readonly method: string,
        readonly faultType: string,
        message: string,
    ) {
        super(`${method}: ${faultType}${message ? `: ${message}` : ""}`);
    }
}

/** Objects of one type with the requested properties (raw XML values). */
export interface ObjectContent {
    readonly ref: MoRef;
    readonly props: Record<string, XmlNode>;
}

const TIMEOUT_MS = 30_000;

export class VsphereSoap {
    private cookie = "";
    private content?: XmlNode;

    /** `server` as cluster-fleet writes it ("host:port"); `caPem` verifies its certificate. */
    constructor(
        readonly server: string,
        private readonly caPem: string,
    ) {}

    /** Sends one SOAP request; rejects with a SoapFault on a fault. */
    async call(method: string, self: MoRef, bodyXml = ""): Promise<XmlNode> {
        const envelope =
            `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
            `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
            `<soapenv:Body><${method} xmlns="urn:vim25">${refXml("_this", self)}${bodyXml}</${method}></soapenv:Body></soapenv:Envelope>`;
        const { status, body, setCookie } = await this.post(envelope);
        const doc = parseXml(body);
        const soapBody = path(doc, "Envelope", "Body");
        const fault = child(soapBody, "Fault");
        if (fault) {
            const detail = path(fault, "detail")?.children[0];
            const type = xsiType(detail) ?? detail?.name ?? "Fault";
            throw new SoapFault(method, type, (child(fault, "faultstring")?.text ?? "").trim());
        }
        if (status !== 200) throw new SoapFault(method, `HTTP ${status}`, body.slice(0, 200));
        if (setCookie) this.cookie = setCookie;
        const res = child(soapBody, `${method}Response`);
        if (!res) throw new SoapFault(method, "NoResponse", "no response element");
        return res;
    }

    private post(envelope: string): Promise<{ status: number; body: string; setCookie?: string }> {
        const [host, port] = this.server.split(":");
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    host,
                    port: Number(port || 443),
                    path: "/sdk",
                    method: "POST",
                    ca: this.caPem,
                    timeout: TIMEOUT_MS,
                    headers: {
                        "Content-Type": "text/xml; charset=utf-8",
                        SOAPAction: "urn:vim25/8.0.2.0",
                        ...(this.cookie ? { Cookie: this.cookie } : {}),
                    },
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const sc = res.headers["set-cookie"]?.[0]?.split(";")[0];
                        resolve({
                            status: res.statusCode ?? 0,
                            body: Buffer.concat(chunks).toString("utf8"),
                            setCookie: sc,
                        });
                    });
                    res.on("error", reject);
                },
            );
            req.on("timeout", () =>
                req.destroy(new Error(`no answer from ${this.server} within ${TIMEOUT_MS} ms`)),
            );
            req.on("error", reject);
            req.end(envelope);
        });
    }

    /** The ServiceInstance content (root folder, property collector, managers). */
    async serviceContent(): Promise<XmlNode> {
        if (!this.content) {
            const res = await this.call("RetrieveServiceContent", {
                type: "ServiceInstance",
                value: "ServiceInstance",
            });
            this.content = child(res, "returnval");
        }
        if (!this.content) throw new Error("RetrieveServiceContent returned nothing");
        return this.content;
    }

    async contentRef(name: string): Promise<MoRef> {
        const n = child(await this.serviceContent(), name);
        if (!n) throw new Error(`the service content has no ${name}`);
        return moRef(n);
    }

    async login(userName: string, password: string): Promise<void> {
        await this.call(
            "Login",
            await this.contentRef("sessionManager"),
            `<userName>${escapeXml(userName)}</userName><password>${escapeXml(password)}</password>`,
        );
    }

    async logout(): Promise<void> {
        await this.call("Logout", await this.contentRef("sessionManager"));
    }

    /** Every object of `type` under `root` (default: the root folder), with `props`. */
    async objects(type: string, props: readonly string[], root?: MoRef): Promise<ObjectContent[]> {
        const viewManager = await this.contentRef("viewManager");
        const container = root ?? (await this.contentRef("rootFolder"));
        const created = await this.call(
            "CreateContainerView",
            viewManager,
            `${refXml("container", container)}<type>${escapeXml(type)}</type><recursive>true</recursive>`,
        );
        const view = moRef(child(created, "returnval")!);
        try {
            const traverse =
                `<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name>` +
                `<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>`;
            return await this.retrieve(type, props, view, traverse);
        } finally {
            await this.call("DestroyView", view);
        }
    }

    /** `props` of one object (e.g. a Task, which no inventory view holds). */
    async propsOf(ref: MoRef, props: readonly string[]): Promise<Record<string, XmlNode>> {
        const [o] = await this.retrieve(ref.type, props, ref, "<skip>false</skip>");
        if (!o) throw new Error(`${ref.type} ${ref.value} does not exist`);
        return o.props;
    }

    private async retrieve(
        type: string,
        props: readonly string[],
        obj: MoRef,
        objectSetTail: string,
    ): Promise<ObjectContent[]> {
        const pathSet = props.map((p) => `<pathSet>${escapeXml(p)}</pathSet>`).join("");
        const spec =
            `<specSet><propSet><type>${escapeXml(type)}</type>${pathSet}</propSet>` +
            `<objectSet>${refXml("obj", obj)}${objectSetTail}</objectSet></specSet>`;
        const pc = await this.contentRef("propertyCollector");
        const res = await this.call("RetrieveProperties", pc, spec);
        return childrenNamed(res, "returnval").map((o) => ({
            ref: moRef(child(o, "obj")!),
            props: Object.fromEntries(
                childrenNamed(o, "propSet").map((p) => [
                    child(p, "name")!.text.trim(),
                    child(p, "val")!,
                ]),
            ),
        }));
    }

    /** The objects of `type` named `name` (any depth). */
    async byName(
        type: string,
        name: string,
        props: readonly string[] = [],
        root?: MoRef,
    ): Promise<ObjectContent[]> {
        const all = await this.objects(type, ["name", ...props], root);
        return all.filter((o) => o.props.name?.text === name);
    }

    /** Calls a *_Task method and waits for the task; resolves with its result element, if any. */
    async task(method: string, self: MoRef, bodyXml = ""): Promise<XmlNode | undefined> {
        const task = moRef(child(await this.call(method, self, bodyXml), "returnval")!);
        const deadline = Date.now() + 5 * 60_000;
        for (;;) {
            const info = await this.propsOf(task, ["info.state", "info.error", "info.result"]);
            const state = info["info.state"]?.text;
            if (state === "success") return info["info.result"];
            if (state === "error") {
                const err = info["info.error"];
                const fault = child(err, "fault");
                throw new SoapFault(
                    method,
                    xsiType(fault) ?? "TaskError",
                    child(err, "localizedMessage")?.text ?? "",
                );
            }
            if (Date.now() > deadline)
                throw new Error(`${method}: task ${task.value} still ${state} after 5 min`);
            await new Promise((r) => setTimeout(r, 200));
        }
    }
}
