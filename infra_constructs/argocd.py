"""The Argo CD add-on, and the Argo CD Application (and AppProject) of the Django chart: each
its namespace, its pinned chart and its values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_kubernetes.role_binding_v1 import (
    RoleBindingV1,
    RoleBindingV1Metadata,
    RoleBindingV1RoleRef,
    RoleBindingV1Subject,
)
from cdktf_cdktf_provider_kubernetes.role_v1 import RoleV1, RoleV1Metadata, RoleV1Rule
from constructs import Construct

from delivery.values_file import environment_values_name
from infra_config.secrets import PlatformSecret
from infra_constructs.addon import pod_security_namespace
from infra_constructs.alb import ANNOTATION, AlbIngressProps, alb_annotations
from infra_constructs.external_secrets import synced_secrets
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart
from infra_constructs.load_balancer_controller import INGRESS_CLASS

ARGO_CD_CHART = HelmChart(name="argo-cd", repository="https://argoproj.github.io/argo-helm")
ARGOCD_APPS_CHART = HelmChart(name="argocd-apps", repository="https://argoproj.github.io/argo-helm")
IN_CLUSTER = "https://kubernetes.default.svc"
RESOURCES_FINALIZER = "resources-finalizer.argocd.argoproj.io"
"""Deleting the Application deletes what it deployed first (no orphans, no stuck namespace)."""
WATCHER_VERBS = ("get",)
"""What a watcher may do to the Application: read it (its status), nothing else. Not `patch`:
RBAC cannot confine a patch to the refresh annotation, and a patch of `.operation` or `.spec`
deploys whatever it names. Argo CD notices a push by polling Git (`git_poll_seconds`)."""


@dataclass(frozen=True)
class ArgoCdValuesProps:
    """What the Argo CD values need.

    host: host name of the UI and CLI behind an ALB (default none: the UI is reached by
        `kubectl port-forward` only, nothing is exposed).
    alb: the ALB of `host` (required with `host`).
    admin_enabled: keep the built-in admin account (turn off once SSO or accounts exist).
    git_poll_seconds: how often Argo CD compares each Application with Git
        (`timeout.reconciliation`, without jitter; default 30, the chart's own 120 plus up to
        60 of jitter): a push is noticed within this time without a webhook or a write into
        Argo CD by the pipeline. One `git ls-remote` per Application per poll.
    """

    host: str | None = None
    alb: AlbIngressProps | None = None
    admin_enabled: bool = True
    git_poll_seconds: int = 30

    def __post_init__(self) -> None:
        if not 10 <= self.git_poll_seconds <= 3600:
            raise ValueError(
                f"ArgoCdValuesProps.git_poll_seconds: {self.git_poll_seconds} must be from 10 to "
                "3600"
            )
        if (self.host is None) != (self.alb is None):
            raise ValueError(
                "ArgoCdValuesProps: host and alb go together: set both to expose Argo CD, "
                "or neither to keep it on port-forward"
            )


def argocd_values(props: ArgoCdValuesProps) -> dict[str, Any]:
    """Values of the `argo-cd` chart: UI exposure, admin account switch, Dex off (no SSO set).

    With a host, the chart's Ingress for the AWS controller: the ALB terminates TLS and sends
    HTTPS to argocd-server (its own certificate; an ALB does not verify targets), and the CLI's
    gRPC (`Content-Type: application/grpc`) to the chart's gRPC Service, so `argocd login
    <host>` works without `--grpc-web`.
    """
    values: dict[str, Any] = {
        "configs": {
            "cm": {
                "admin.enabled": props.admin_enabled,
                "timeout.reconciliation": f"{props.git_poll_seconds}s",
                "timeout.reconciliation.jitter": "0s",
            }
        },
        "dex": {"enabled": False},
        "server": {"service": {"type": "ClusterIP"}},
    }
    if props.host is not None and props.alb is not None:
        values["global"] = {"domain": props.host}
        values["server"]["ingress"] = {
            "enabled": True,
            "controller": "aws",
            "ingressClassName": INGRESS_CLASS,
            "hostname": props.host,
            "annotations": {
                **alb_annotations(props.alb),
                f"{ANNOTATION}backend-protocol": "HTTPS",
            },
            "aws": {"serviceType": "ClusterIP", "backendProtocolVersion": "GRPC"},
        }
    return values


@dataclass(frozen=True)
class ApplicationProps:
    """The Django Application.

    name: Application, AppProject and Helm release name.
    argocd_namespace: where Argo CD (and so the Application object) lives.
    repo_url / target_revision / chart_path: what Argo CD follows in Git.
    environment: selects `values-<environment>.yaml` beside `values.yaml`.
    destination_namespace: where the app runs.
    image_repository: ECR repository URL, passed as the `image.repository` Helm parameter
        (the tag stays in Git, where Jenkins bumps it).
    values: chart values that come from the environment's config rather than from Git, such
        as the Ingress (`helm.valuesObject`: above the values files, below the parameters)
        (default none).
    """

    name: str
    argocd_namespace: str
    repo_url: str
    target_revision: str
    chart_path: str
    environment: str
    destination_namespace: str
    image_repository: str
    values: Mapping[str, Any] = field(default_factory=dict)


def application_spec(props: ApplicationProps) -> dict[str, Any]:
    """The Application's spec: Helm values files, automated sync with prune and self-heal,
    CreateNamespace, retry with exponential backoff."""
    return {
        "project": props.name,
        "source": {
            "repoURL": props.repo_url,
            "targetRevision": props.target_revision,
            "path": props.chart_path,
            "helm": {
                "valueFiles": [
                    "values.yaml",
                    environment_values_name(props.environment),  # with its image tag
                ],
                **({"valuesObject": dict(props.values)} if props.values else {}),
                "parameters": [{"name": "image.repository", "value": props.image_repository}],
            },
        },
        "destination": {"server": IN_CLUSTER, "namespace": props.destination_namespace},
        "syncPolicy": {
            "automated": {"prune": True, "selfHeal": True},
            "syncOptions": ["CreateNamespace=true"],
            "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "3m"}},
        },
    }


def project_spec(props: ApplicationProps) -> dict[str, Any]:
    """An AppProject that confines the Application to its repository and namespace."""
    return {
        "description": f"{props.name}: only {props.repo_url} into {props.destination_namespace}",
        "sourceRepos": [props.repo_url],
        "destinations": [{"server": IN_CLUSTER, "namespace": props.destination_namespace}],
        "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
    }


def argocd_apps_values(props: ApplicationProps) -> dict[str, Any]:
    """Values of the `argocd-apps` chart: the AppProject and the Application."""
    metadata = {"namespace": props.argocd_namespace, "finalizers": [RESOURCES_FINALIZER]}
    return {
        "projects": {props.name: {**metadata, **project_spec(props)}},
        "applications": {props.name: {**metadata, **application_spec(props)}},
    }


ARGOCD_RELEASE_NAME = "argocd"
"""Helm release of Argo CD: its Services are named after it (`argocd-server`)."""


@dataclass(frozen=True)
class ArgoCdAddonProps:
    """Properties of `ArgoCdAddon`.

    version: exact `argo-cd` chart version (required).
    namespace: Argo CD's namespace (required); Pod Security `baseline` enforced, `restricted`
        warned and audited.
    values: UI exposure and admin switch (default: port-forward only, admin on).
    secrets: Secrets synced into the namespace before the release, e.g. a private
        repository's credentials (default none).
    secrets_refresh_minutes: how often they are read again (default 60).
    """

    version: str
    namespace: str
    values: ArgoCdValuesProps = ArgoCdValuesProps()
    secrets: tuple[PlatformSecret, ...] = ()
    secrets_refresh_minutes: int = 60


class ArgoCdAddon:
    """Namespace, its synced Secrets (release `argocd-secrets`, when there are any), and the
    pinned argo-cd chart (release `ARGOCD_RELEASE_NAME`).
    After `deploy`: `release`."""

    def __init__(self, *, props: ArgoCdAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        namespace = pod_security_namespace(scope, props.namespace, enforce="baseline")
        waits_for: tuple[ITerraformDependable, ...] = (namespace,)
        if props.secrets:
            secrets = synced_secrets(
                scope,
                "argocd-secrets",
                namespace=props.namespace,
                secrets=props.secrets,
                refresh_interval_minutes=props.secrets_refresh_minutes,
                depends_on=(namespace,),
            )
            waits_for = (*waits_for, secrets.release)
        self.release = HelmAddon(
            scope,
            "argocd",
            props=HelmAddonProps(
                chart=ARGO_CD_CHART,
                release_name=ARGOCD_RELEASE_NAME,
                version=props.version,
                namespace=props.namespace,
                values=argocd_values(props.values),
                depends_on=waits_for,
            ),
        )
        return self.release


@dataclass(frozen=True)
class ArgoCdApplicationProps:
    """Properties of `ArgoCdApplication`.

    version: exact `argocd-apps` chart version (required).
    application: the Application and its AppProject (required); its `destination_namespace`
        is created here with Pod Security `restricted` enforced.
    depends_on: what must exist first, at least Argo CD's release (its CRDs) (default none).
    construct_id: construct id of the release (default `application`); fixed once deployed,
        since a new id replaces the release, and with it (finalizer) everything it deployed.
    secrets: the Secrets the app reads, synced from AWS Secrets Manager into its namespace
        (default none; each must be for `destination_namespace`).
    secrets_refresh_minutes: how often they are read again (default 60).
    watchers: service accounts, `(namespace, name)`, that may read the Application
        (`WATCHER_VERBS`, a Role in Argo CD's namespace): the pipeline's build pods, which wait
        for the deploy without any Argo CD token (default none).
    """

    version: str
    application: ApplicationProps
    depends_on: Sequence[ITerraformDependable] = ()
    construct_id: str = "application"
    secrets: tuple[PlatformSecret, ...] = ()
    secrets_refresh_minutes: int = 60
    watchers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for secret in self.secrets:
            if secret.namespace != self.application.destination_namespace:
                raise ValueError(
                    f"ArgoCdApplicationProps.secrets: {secret.secret} is for namespace "
                    f"{secret.namespace!r}, not the app's "
                    f"{self.application.destination_namespace!r}"
                )


class ArgoCdApplication:
    """The app's namespace, the ExternalSecrets of the Secrets the app reads (release
    `<name>-secrets`, when there are any), then the argocd-apps release `<name>-application`
    in Argo CD's namespace, so the first sync finds its Secrets. After `deploy`: `release`,
    `secrets_release` (or None)."""

    def __init__(self, *, props: ArgoCdApplicationProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        application = self.props.application
        namespace = pod_security_namespace(
            scope, application.destination_namespace, enforce="restricted"
        )
        self.secrets_release = None
        waits_for: tuple[ITerraformDependable, ...] = (namespace,)
        if self.props.secrets:
            self.secrets_release = synced_secrets(
                scope,
                f"{application.name}-secrets",
                namespace=application.destination_namespace,
                secrets=self.props.secrets,
                refresh_interval_minutes=self.props.secrets_refresh_minutes,
                depends_on=(namespace,),
            )
            waits_for = (*waits_for, self.secrets_release.release)
        self.release = HelmAddon(
            scope,
            self.props.construct_id,
            props=HelmAddonProps(
                chart=ARGOCD_APPS_CHART,
                version=self.props.version,
                release_name=f"{application.name}-application",
                namespace=application.argocd_namespace,
                values=argocd_apps_values(application),
                depends_on=(*self.props.depends_on, *waits_for),
            ),
        )
        if self.props.watchers:
            self._watchers(scope)
        return self.release

    def _watchers(self, scope: Construct) -> None:
        """The Role on the one Application, and its binding to every watcher."""
        application = self.props.application
        name = f"{application.name}-watcher"
        metadata = {"name": name, "namespace": application.argocd_namespace}
        RoleV1(
            scope,
            f"{application.name}-watcher-role",
            metadata=RoleV1Metadata(**metadata),
            rule=[
                RoleV1Rule(
                    api_groups=["argoproj.io"],
                    resources=["applications"],
                    resource_names=[application.name],
                    verbs=list(WATCHER_VERBS),
                )
            ],
            depends_on=list(self.props.depends_on),
        )
        RoleBindingV1(
            scope,
            f"{application.name}-watcher-binding",
            metadata=RoleBindingV1Metadata(**metadata),
            role_ref=RoleBindingV1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name=name
            ),
            subject=[
                RoleBindingV1Subject(kind="ServiceAccount", name=account, namespace=namespace)
                for namespace, account in self.props.watchers
            ],
            depends_on=list(self.props.depends_on),
        )
