"""The Pod Security Standards "restricted" profile, checked on rendered Kubernetes objects.

Every control of the baseline and restricted profiles that a pod spec can violate, as listed in
https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Kubernetes 1.34).
"""

from __future__ import annotations

POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each workload kind keeps the spec of the pods it creates."""

ALLOWED_VOLUME_TYPES = {
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
ALLOWED_APPARMOR_TYPES = {"RuntimeDefault", "Localhost"}
ALLOWED_SELINUX_TYPES = {
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
}
ALLOWED_ADDED_CAPABILITIES = {"NET_BIND_SERVICE"}
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"


def pod_template(manifest: dict) -> tuple[dict, dict] | None:
    """(metadata, spec) of the pods a workload object creates; None for a kind without pods."""
    path = POD_SPEC_PATHS.get(manifest.get("kind"))
    if path is None:
        return None
    template = manifest
    for key in path[:-1]:
        template = template.get(key) or {}
    return template.get("metadata") or {}, template.get(path[-1]) or {}


def restricted_violations(pod_metadata: dict, pod_spec: dict) -> list[str]:
    """Every way a pod (its template's metadata and spec) breaks the restricted profile; [] when
    it meets it."""
    pod = pod_spec.get("securityContext") or {}
    violations = [
        f"pod: {field} is true"
        for field in ("hostNetwork", "hostPID", "hostIPC")
        if pod_spec.get(field)
    ]
    for volume in pod_spec.get("volumes") or []:
        types = sorted(set(volume) - {"name"} - ALLOWED_VOLUME_TYPES)
        if types:
            violations.append(f"volume {volume['name']}: type {', '.join(types)} is not allowed")
    violations += [
        f"pod: sysctl {sysctl['name']} is not safe"
        for sysctl in pod.get("sysctls") or []
        if sysctl["name"] not in SAFE_SYSCTLS
    ]
    for annotation, value in (pod_metadata.get("annotations") or {}).items():
        if annotation.startswith(APPARMOR_ANNOTATION_PREFIX) and not (
            value == "runtime/default" or value.startswith("localhost/")
        ):
            violations.append(f"pod: AppArmor annotation {annotation} is {value}")
    violations += _context_violations("pod", pod)
    pod_seccomp = (pod.get("seccompProfile") or {}).get("type")
    if pod_seccomp is not None and pod_seccomp not in ALLOWED_SECCOMP_TYPES:
        violations.append(f"pod: seccompProfile type is {pod_seccomp}")

    containers = [
        *(pod_spec.get("initContainers") or []),
        *(pod_spec.get("containers") or []),
        *(pod_spec.get("ephemeralContainers") or []),
    ]
    for container in containers:
        name = f"container {container['name']}"
        context = container.get("securityContext") or {}
        violations += _context_violations(name, context)
        if context.get("privileged"):
            violations.append(f"{name}: privileged is true")
        if context.get("allowPrivilegeEscalation") is not False:
            violations.append(f"{name}: allowPrivilegeEscalation is not false")
        if context.get("procMount", "Default") != "Default":
            violations.append(f"{name}: procMount is {context['procMount']}")
        if not context.get("runAsNonRoot", pod.get("runAsNonRoot")):
            violations.append(f"{name}: runAsNonRoot is not true")
        seccomp = (context.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in ALLOWED_SECCOMP_TYPES:
            violations.append(f"{name}: seccompProfile type is {seccomp}")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            violations.append(f"{name}: capabilities do not drop ALL")
        added = sorted(set(capabilities.get("add") or []) - ALLOWED_ADDED_CAPABILITIES)
        if added:
            violations.append(f"{name}: adds capabilities {', '.join(added)}")
        if any(port.get("hostPort") for port in container.get("ports") or []):
            violations.append(f"{name}: uses a hostPort")
    return violations


def _context_violations(owner: str, context: dict) -> list[str]:
    """Controls shared by the pod's and each container's securityContext."""
    violations = []
    if context.get("runAsUser") == 0:
        violations.append(f"{owner}: runAsUser is 0")
    if (context.get("windowsOptions") or {}).get("hostProcess"):
        violations.append(f"{owner}: windowsOptions.hostProcess is true")
    selinux = context.get("seLinuxOptions") or {}
    if selinux.get("type", "") not in ALLOWED_SELINUX_TYPES:
        violations.append(f"{owner}: seLinuxOptions.type is {selinux['type']}")
    violations += [
        f"{owner}: seLinuxOptions.{key} is set" for key in ("user", "role") if selinux.get(key)
    ]
    apparmor = (context.get("appArmorProfile") or {}).get("type")
    if apparmor is not None and apparmor not in ALLOWED_APPARMOR_TYPES:
        violations.append(f"{owner}: appArmorProfile type is {apparmor}")
    return violations
