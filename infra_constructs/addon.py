"""What a cluster add-on is, and the one namespace helper every add-on uses.

An add-on (cdk-eks-blueprints style) is its defaults plus one `deploy(scope)`: a small class
holding one frozen props dataclass, whose `deploy` creates the add-on's namespace, AWS identity
and Helm release directly in the given scope (the stack). Not a `Construct` of its own on
purpose: cdktf derives a resource's logical id from its construct path, so resources created in
the stack keep short, stable ids (`namespace-jenkins`, `jenkins`), and moving an add-on between
stacks or files never renames (and so never replaces) what is already deployed.

Adding an add-on: one file under `infra_constructs/` with its chart pin, props, values and
`deploy`; one line in the stack that composes it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata
from constructs import Construct

from infra_constructs.helm_addon import HelmAddon, HelmAddonProps

PodSecurityLevel = Literal["privileged", "baseline", "restricted"]


def pod_security_namespace(
    scope: Construct, name: str, *, enforce: PodSecurityLevel
) -> NamespaceV1:
    """Namespace `name` (construct id `namespace-<name>`) whose Pod Security admission enforces
    `enforce` and warns on and audits anything below `restricted`."""
    return NamespaceV1(
        scope,
        f"namespace-{name}",
        metadata=NamespaceV1Metadata(
            name=name,
            labels={
                "pod-security.kubernetes.io/enforce": enforce,
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        ),
    )


def release_in_own_namespace(
    scope: Construct, id: str, *, enforce: PodSecurityLevel, props: HelmAddonProps
) -> HelmAddon:
    """The add-on's namespace `props.namespace` (see `pod_security_namespace`), then its
    release `id` there, waiting for the namespace before anything in `props.depends_on`."""
    namespace = pod_security_namespace(scope, props.namespace, enforce=enforce)
    return HelmAddon(scope, id, props=replace(props, depends_on=(namespace, *props.depends_on)))
