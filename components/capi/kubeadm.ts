// kubeadm settings shared by control-plane and worker bootstrap configs.
import { ClusterContext } from "./context";

export const CRI_SOCKET = "/var/run/containerd/containerd.sock";

/** Node registration with the external (vSphere) cloud provider; the CPI sets providerID. */
export const nodeRegistration = () => ({
    criSocket: CRI_SOCKET,
    kubeletExtraArgs: [{ name: "cloud-provider", value: "external" }],
    name: "{{ local_hostname }}",
});

/** Hostname from the VM metadata, then any prepared scripts, as CAPV's templates do. */
export const preKubeadmCommands = (): string[] => [
    'hostnamectl set-hostname "{{ ds.meta_data.hostname }}"',
    'echo "::1         ipv6-localhost ipv6-loopback localhost6 localhost6.localdomain6" >/etc/hosts',
    'echo "127.0.0.1   {{ ds.meta_data.hostname }} {{ local_hostname }} localhost localhost.localdomain localhost4 localhost4.localdomain4" >>/etc/hosts',
    "mkdir -p /etc/pre-kubeadm-commands",
    'for script in $(find /etc/pre-kubeadm-commands/ -name \'*.sh\' -type f | sort); do echo "Running script $script"; "$script"; done',
];

export const nodeUsers = (ctx: ClusterContext) => [
    {
        name: "capv",
        sshAuthorizedKeys: [...ctx.region.sshAuthorizedKeys],
        sudo: "ALL=(ALL) NOPASSWD:ALL",
    },
];
