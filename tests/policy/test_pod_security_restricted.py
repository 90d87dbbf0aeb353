"""Every workload the chart renders (for every values file) meets Pod Security "restricted"."""

from __future__ import annotations

import copy

import pytest
import yaml

from policy.pod_security import pod_template, restricted_violations
from policy.render_chart import VALUES_SETS
from synth_helpers import set_path


def rendered_objects(directory):
    return [
        document
        for path in sorted(directory.rglob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


@pytest.mark.parametrize("values_set", sorted(VALUES_SETS))
def test_every_rendered_workload_meets_the_restricted_profile(rendered_chart, values_set):
    workloads = [
        (manifest, pod_template(manifest))
        for manifest in rendered_objects(rendered_chart / values_set)
    ]
    workloads = [(manifest, template) for manifest, template in workloads if template is not None]
    assert {"Deployment", "Job"} <= {manifest["kind"] for manifest, _ in workloads}
    violations = {
        f"{manifest['kind']}/{manifest['metadata']['name']}": restricted_violations(*template)
        for manifest, template in workloads
    }
    assert violations == {name: [] for name in violations}


COMPLIANT_POD = {
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "config", "configMap": {"name": "app"}}],
    "containers": [
        {
            "name": "app",
            "ports": [{"containerPort": 8000}],
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
        }
    ],
}
APP = "containers.0"
APP_CONTEXT = f"{APP}.securityContext"


def test_a_compliant_pod_has_no_violation():
    assert restricted_violations({}, COMPLIANT_POD) == []


def test_a_container_may_add_net_bind_service_and_carry_the_whole_context_itself():
    context = {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/app.json"},
        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
    }
    assert (
        restricted_violations({}, {"containers": [{"name": "app", "securityContext": context}]})
        == []
    )


@pytest.mark.parametrize(
    "path, value, violation",
    [
        ("hostNetwork", True, "pod: hostNetwork is true"),
        ("hostPID", True, "pod: hostPID is true"),
        ("hostIPC", True, "pod: hostIPC is true"),
        (
            "volumes.0",
            {"name": "host", "hostPath": {"path": "/"}},
            "volume host: type hostPath is not allowed",
        ),
        (
            "securityContext.sysctls",
            [{"name": "kernel.msgmax", "value": "1"}],
            "pod: sysctl kernel.msgmax is not safe",
        ),
        ("securityContext.runAsUser", 0, "pod: runAsUser is 0"),
        (
            "securityContext.seccompProfile.type",
            "Unconfined",
            "pod: seccompProfile type is Unconfined",
        ),
        ("securityContext.seLinuxOptions", {"type": "spc_t"}, "pod: seLinuxOptions.type is spc_t"),
        ("securityContext.seLinuxOptions", {"user": "root"}, "pod: seLinuxOptions.user is set"),
        (
            "securityContext.appArmorProfile",
            {"type": "Unconfined"},
            "pod: appArmorProfile type is Unconfined",
        ),
        (
            "securityContext.windowsOptions",
            {"hostProcess": True},
            "pod: windowsOptions.hostProcess is true",
        ),
        ("securityContext.runAsNonRoot", False, "container app: runAsNonRoot is not true"),
        (f"{APP_CONTEXT}.runAsNonRoot", False, "container app: runAsNonRoot is not true"),
        (f"{APP_CONTEXT}.runAsUser", 0, "container app: runAsUser is 0"),
        (f"{APP_CONTEXT}.privileged", True, "container app: privileged is true"),
        (
            f"{APP_CONTEXT}.allowPrivilegeEscalation",
            True,
            "container app: allowPrivilegeEscalation is not false",
        ),
        (f"{APP_CONTEXT}.procMount", "Unmasked", "container app: procMount is Unmasked"),
        (
            f"{APP_CONTEXT}.capabilities.drop",
            ["NET_RAW"],
            "container app: capabilities do not drop ALL",
        ),
        (
            f"{APP_CONTEXT}.capabilities.add",
            ["SYS_ADMIN", "NET_BIND_SERVICE"],
            "container app: adds capabilities SYS_ADMIN",
        ),
        (
            f"{APP_CONTEXT}.seccompProfile",
            {"type": "Unconfined"},
            "container app: seccompProfile type is Unconfined",
        ),
        (f"{APP}.ports.0.hostPort", 8000, "container app: uses a hostPort"),
    ],
)
def test_each_restricted_control_is_checked(path, value, violation):
    assert violation in restricted_violations({}, set_path(COMPLIANT_POD, path, value))


def test_init_and_ephemeral_containers_are_checked_too():
    pod = copy.deepcopy(COMPLIANT_POD)
    pod["initContainers"] = [{"name": "init"}]
    pod["ephemeralContainers"] = [{"name": "debug", "securityContext": {"privileged": True}}]
    violations = restricted_violations({}, pod)
    assert "container init: allowPrivilegeEscalation is not false" in violations
    assert "container debug: privileged is true" in violations


def test_seccomp_must_be_set_somewhere():
    pod = set_path(COMPLIANT_POD, "securityContext", {"runAsNonRoot": True})
    assert "container app: seccompProfile type is None" in restricted_violations({}, pod)


def test_apparmor_annotations_are_checked():
    annotations = {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
    assert restricted_violations({"annotations": annotations}, COMPLIANT_POD) == [
        "pod: AppArmor annotation container.apparmor.security.beta.kubernetes.io/app is unconfined"
    ]


@pytest.mark.parametrize(
    "manifest, spec_holder",
    [
        ({"kind": "Pod", "metadata": {"name": "p"}, "spec": COMPLIANT_POD}, lambda m: m),
        (
            {
                "kind": "Deployment",
                "spec": {"template": {"metadata": {"labels": {}}, "spec": COMPLIANT_POD}},
            },
            lambda m: m["spec"]["template"],
        ),
        (
            {
                "kind": "CronJob",
                "spec": {
                    "jobTemplate": {"spec": {"template": {"metadata": {}, "spec": COMPLIANT_POD}}}
                },
            },
            lambda m: m["spec"]["jobTemplate"]["spec"]["template"],
        ),
    ],
    ids=["Pod", "Deployment", "CronJob"],
)
def test_pod_template_finds_the_pods_of_each_workload_kind(manifest, spec_holder):
    assert pod_template(manifest) == (spec_holder(manifest)["metadata"], COMPLIANT_POD)


def test_objects_without_pods_have_no_pod_template():
    assert pod_template({"kind": "Service", "spec": {"ports": []}}) is None
