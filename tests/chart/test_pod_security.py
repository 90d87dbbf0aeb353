"""Every rendered workload satisfies the Pod Security Standards "restricted" profile.

The checks follow https://kubernetes.io/docs/concepts/security/pod-security-standards/
(baseline + restricted controls that a pod template can violate), plus this project's own
rule that every container has a read-only root filesystem.
"""

import pytest

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}

RESTRICTED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
ALLOWED_SECCOMP_TYPES = {"RuntimeDefault", "Localhost"}


def restricted_violations(spec):
    """Violations of the "restricted" profile (and of readOnlyRootFilesystem) in a pod spec."""
    violations = []
    pod_context = spec.get("securityContext", {})
    containers = spec.get("initContainers", []) + spec.get("containers", []) + spec.get("ephemeralContainers", [])

    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            violations.append(f"pod: {field}")
    for volume in spec.get("volumes", []):
        volume_types = set(volume) - {"name"}
        if not volume_types <= RESTRICTED_VOLUME_TYPES:
            violations.append(f"volume {volume['name']}: type {sorted(volume_types)}")
    for sysctl in pod_context.get("sysctls", []):
        if sysctl["name"] not in SAFE_SYSCTLS:
            violations.append(f"pod: sysctl {sysctl['name']}")
    if pod_context.get("runAsUser") == 0:
        violations.append("pod: runAsUser 0")
    if pod_context.get("seLinuxOptions", {}).keys() & {"user", "role"}:
        violations.append("pod: seLinuxOptions user/role")

    for container in containers:
        name = f"container {container['name']}"
        context = container.get("securityContext", {})
        if context.get("privileged"):
            violations.append(f"{name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            violations.append(f"{name}: allowPrivilegeEscalation is not false")
        if not (
            context.get("runAsNonRoot")
            or (pod_context.get("runAsNonRoot") and context.get("runAsNonRoot") is not False)
        ):
            violations.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser") == 0:
            violations.append(f"{name}: runAsUser 0")
        seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {})).get("type")
        if seccomp not in ALLOWED_SECCOMP_TYPES:
            violations.append(f"{name}: seccompProfile {seccomp}")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            violations.append(f"{name}: capabilities do not drop ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            violations.append(f"{name}: adds capabilities {capabilities['add']}")
        if context.get("procMount", "Default") != "Default":
            violations.append(f"{name}: procMount")
        if context.get("windowsOptions", {}).get("hostProcess"):
            violations.append(f"{name}: hostProcess")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            violations.append(f"{name}: hostPort")
        if context.get("readOnlyRootFilesystem") is not True:
            violations.append(f"{name}: readOnlyRootFilesystem is not true")
    return violations


def test_every_workload_meets_the_restricted_profile(manifests):
    workloads = [manifest for manifest in manifests if manifest["kind"] in WORKLOAD_KINDS]
    assert workloads
    for workload in workloads:
        violations = restricted_violations(workload["spec"]["template"]["spec"])
        assert violations == [], f"{workload['kind']}/{workload['metadata']['name']}: {violations}"


@pytest.mark.parametrize(
    "pod_spec, expected",
    [
        ({"hostNetwork": True, "containers": []}, "pod: hostNetwork"),
        (
            {"volumes": [{"name": "host", "hostPath": {"path": "/"}}], "containers": []},
            "volume host: type ['hostPath']",
        ),
        ({"containers": [{"name": "app"}]}, "container app: allowPrivilegeEscalation is not false"),
        ({"containers": [{"name": "app"}]}, "container app: runAsNonRoot is not true"),
        ({"containers": [{"name": "app"}]}, "container app: seccompProfile None"),
        (
            {
                "containers": [
                    {"name": "app", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]}}}
                ]
            },
            "container app: adds capabilities ['SYS_ADMIN']",
        ),
        (
            {
                "securityContext": {"runAsNonRoot": True},
                "containers": [{"name": "app", "securityContext": {"runAsNonRoot": False}}],
            },
            "container app: runAsNonRoot is not true",
        ),
    ],
)
def test_the_check_catches_violations(pod_spec, expected):
    assert expected in restricted_violations(pod_spec)
