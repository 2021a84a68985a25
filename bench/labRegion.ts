// The lab region (Pulumi.lab.yaml) grown to N clusters for the real-engine bench: each cluster a
// copy of the lab's one, with its own pinned /26 block in 127.80.0.0/16 (loopback: nothing is
// ever sent there), its own pod network and AS number. Given a region name (for several region
// stacks in one run), the region is named so and its clusters <region>-001, ...; the blocks are
// the same in every region, so only a preview of several such regions makes sense.
import * as yaml from "js-yaml";
import { ip2long, long2ip } from "netmask";
import { PROJECT } from "../components/constants";

const SUBNET = "127.80.0.0";

export function labRegionStackFile(
    labStackYaml: string,
    n: number,
    readinessTimeoutSeconds: number,
    region?: string,
): string {
    const doc = yaml.load(labStackYaml) as { config: Record<string, unknown> };
    const key = (k: string) => `${PROJECT}:${k}`;
    if (region !== undefined) doc.config[key("region")] = region;
    doc.config[key("management")] = {
        ...(doc.config[key("management")] as Record<string, unknown>),
        readinessTimeoutSeconds,
    };
    const [template] = doc.config[key("clusters")] as Record<string, unknown>[];
    const base = ip2long(SUBNET) >>> 0;
    doc.config[key("network")] = {
        ...(doc.config[key("network")] as Record<string, unknown>),
        subnet: `${SUBNET}/16`,
        gateway: long2ip(base + 1),
        nameservers: [long2ip(base + 10)],
        reserved: [`${SUBNET}/26`],
    };
    doc.config[key("clusters")] = Array.from({ length: n }, (_, i) => ({
        ...template,
        name: `${region ?? "bench"}-${String(i + 1).padStart(3, "0")}`,
        addressBlock: `${long2ip(base + (i + 1) * 64)}/26`,
        podCidr: `${long2ip((ip2long("172.16.0.0") >>> 0) + i * 4096)}/20`,
        bgp: { asNumber: 4200000000 + i },
    }));
    return yaml.dump(doc, { noRefs: true });
}
