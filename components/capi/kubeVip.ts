// kube-vip as a static Pod on every control-plane node: it holds the control-plane VIP by ARP
// and leader election. Service load-balancing is off: Calico advertises Services over BGP.
import * as yaml from "js-yaml";
import { API_SERVER_PORT } from "./context";

export const KUBE_VIP_MANIFEST_PATH = "/etc/kubernetes/manifests/kube-vip.yaml";
export const KUBE_VIP_HOSTS_PATH = "/etc/kube-vip.hosts";
export const KUBE_VIP_PREPARE_PATH = "/etc/pre-kubeadm-commands/50-kube-vip-prepare.sh";

/** The kube-vip static Pod manifest whose `address` is the VIP. */
export function kubeVipPod(vip: string, image: string): Record<string, unknown> {
    const env: Record<string, string> = {
        vip_arp: "true",
        port: String(API_SERVER_PORT),
        vip_cidr: "32",
        cp_enable: "true",
        cp_namespace: "kube-system",
        vip_ddns: "false",
        svc_enable: "false",
        vip_leaderelection: "true",
        vip_leasename: "plndr-cp-lock",
        vip_leaseduration: "15",
        vip_renewdeadline: "10",
        vip_retryperiod: "2",
        address: vip,
        prometheus_server: ":2112",
    };
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "kube-vip", namespace: "kube-system" },
        spec: {
            containers: [
                {
                    name: "kube-vip",
                    image,
                    imagePullPolicy: "IfNotPresent",
                    args: ["manager"],
                    env: Object.entries(env).map(([name, value]) => ({ name, value })),
                    securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
                    volumeMounts: [
                        { mountPath: "/etc/kubernetes/admin.conf", name: "kubeconfig" },
                        { mountPath: "/etc/hosts", name: "etchosts" },
                    ],
                },
            ],
            hostNetwork: true,
            volumes: [
                {
                    name: "kubeconfig",
                    hostPath: { path: "/etc/kubernetes/admin.conf", type: "FileOrCreate" },
                },
                { name: "etchosts", hostPath: { path: KUBE_VIP_HOSTS_PATH, type: "File" } },
            ],
        },
    };
}

/** The manifest as file content, deterministic. */
export function kubeVipPodYaml(vip: string, image: string): string {
    return yaml.dump(kubeVipPod(vip, image), { sortKeys: true, lineWidth: -1, noRefs: true });
}

/**
 * On the `kubeadm init` node of Kubernetes >= 1.29, admin.conf has no rights until kubeadm has
 * finished, so kube-vip must start with super-admin.conf (kube-vip#684).
 */
export const KUBE_VIP_PREPARE_SCRIPT = `#!/bin/bash
# kube-vip#684: on the kubeadm init node of Kubernetes >= 1.29, use super-admin.conf.
set -euo pipefail
KUBEADM_MINOR="$(kubeadm version -o short | cut -d '.' -f 2)"
if [[ "$KUBEADM_MINOR" -lt "29" ]]; then
  exit 0
fi
IS_KUBEADM_INIT="false"
if [[ -f /run/kubeadm/kubeadm.yaml ]]; then
  IS_KUBEADM_INIT="true"
fi
if [[ -f /etc/kubeadm.sh ]] && grep -q -e "kubeadm init" /etc/kubeadm.sh; then
  IS_KUBEADM_INIT="true"
fi
if [[ "$IS_KUBEADM_INIT" == "true" ]]; then
  sed -i 's#path: /etc/kubernetes/admin.conf#path: /etc/kubernetes/super-admin.conf#' ${KUBE_VIP_MANIFEST_PATH}
fi
`;
