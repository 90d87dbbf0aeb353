"""The typed configuration of one environment, validated before any construct is created.

Every model forbids unknown keys (a typo must not pass silently) and is frozen. Defaults are
chosen to be safe; each field's description says what it does and what its default means.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from infra_constructs.subnet_plan import plan_subnets

_S3_BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_DYNAMODB_TABLE = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_ECR_REPOSITORY = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_CHART_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
_GIT_URL = re.compile(r"^(https://[^\s]+|git@[^\s:]+:[^\s]+|ssh://[^\s]+)$")
_IAM_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")

SUPPORTED_EKS_VERSIONS = ("1.32", "1.33", "1.34", "1.35")
"""EKS versions this code is tested with; newer ones need a review of add-ons and APIs first."""

PRODUCTION_ENVIRONMENTS = frozenset({"prod"})
"""Environments held to production rules (no API endpoint open to the whole internet)."""


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _matches(pattern: re.Pattern[str], value: str, rule: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(rule)
    return value


class AwsSettings(Strict):
    """Where the environment lives."""

    region: str = Field(description="AWS region of every stack, for example eu-west-1.")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _matches(_AWS_REGION, value, "use an AWS region name such as eu-west-1")


class StateSettings(Strict):
    """The S3 bucket and DynamoDB table that hold every other stack's Terraform state."""

    bucket: str = Field(description="Globally unique S3 bucket name for Terraform state.")
    lock_table: str = Field(description="DynamoDB table for state locks (hash key LockID).")
    noncurrent_version_expiration_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days a superseded state version is kept before S3 expires it (default 90).",
    )
    backend_stack_state: Literal["local", "s3"] = Field(
        default="local",
        description=(
            "Where the backend stack keeps its own state: 'local' until the bootstrap has "
            "created the bucket, then 's3' once its state has been migrated into it."
        ),
    )

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        return _matches(
            _S3_BUCKET,
            value,
            "use 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a "
            "letter or digit (S3 bucket naming rules)",
        )

    @field_validator("lock_table")
    @classmethod
    def _table(cls, value: str) -> str:
        return _matches(
            _DYNAMODB_TABLE, value, "use 3-255 letters, digits, '_', '-' or '.' (DynamoDB rules)"
        )


class NetworkSettings(Strict):
    """The VPC and its subnets."""

    vpc_cidr: str = Field(description="IPv4 CIDR of the VPC, for example 10.10.0.0/16.")
    az_count: int = Field(default=3, ge=2, le=6, description="Availability zones used (2-6).")
    availability_zones: list[str] = Field(
        default_factory=list,
        description="Zone names, one per AZ, in order (pinned: a zone that leaves the region's "
        "list cannot shift the subnets). Empty: the first az_count available zones.",
    )
    public_subnet_newbits: int = Field(
        default=8,
        ge=1,
        le=12,
        description="Bits added to the VPC prefix for each public subnet (/16 + 8 = /24).",
    )
    private_subnet_newbits: int = Field(
        default=4,
        ge=1,
        le=12,
        description="Bits added to the VPC prefix for each private subnet (/16 + 4 = /20).",
    )
    single_nat_gateway: bool = Field(
        default=False,
        description="One NAT gateway for all AZs (cheaper, one AZ failure cuts egress) "
        "instead of one per AZ (the default).",
    )
    flow_log_retention_days: int = Field(
        default=90, ge=1, le=3653, description="Days VPC flow logs are kept (default 90)."
    )

    @field_validator("vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError(
                "use an IPv4 network in CIDR form with host bits zero, such as 10.10.0.0/16"
            ) from None
        if not 16 <= network.prefixlen <= 24:
            raise ValueError("use a prefix length between /16 and /24 (AWS VPC limits)")
        return value

    @model_validator(mode="after")
    def _zones_match_count(self) -> NetworkSettings:
        zones = self.availability_zones
        if zones and (len(zones) != self.az_count or len(set(zones)) != len(zones)):
            raise ValueError(
                f"availability_zones {zones} must name az_count ({self.az_count}) "
                "different zones, or be empty to use the first available ones"
            )
        return self

    @model_validator(mode="after")
    def _subnets_fit(self) -> NetworkSettings:
        plan_subnets(
            self.vpc_cidr,
            self.az_count,
            private_newbits=self.private_subnet_newbits,
            public_newbits=self.public_subnet_newbits,
        )
        return self


class NodeGroupSettings(Strict):
    """One EKS managed node group."""

    name: str = Field(description="Node group name, lowercase letters, digits and hyphens.")
    instance_types: list[str] = Field(min_length=1, description="EC2 instance types.")
    min_size: int = Field(ge=1, description="Fewest nodes (at least 1).")
    desired_size: int = Field(ge=1, description="Nodes at creation; the autoscaler owns it after.")
    max_size: int = Field(ge=1, description="Most nodes.")
    disk_size_gib: int = Field(default=50, ge=20, le=16384, description="gp3 root volume size.")
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field(
        default="ON_DEMAND", description="ON_DEMAND (default) or SPOT."
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _matches(_NAME, value, "use 2-32 lowercase letters, digits and hyphens")

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodeGroupSettings:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                f"sizes must satisfy min_size <= desired_size <= max_size, got {self.min_size} "
                f"<= {self.desired_size} <= {self.max_size}"
            )
        return self


class ClusterSettings(Strict):
    """The EKS cluster."""

    version: str = Field(
        description=f"Kubernetes version of the control plane, one of {SUPPORTED_EKS_VERSIONS}."
    )
    endpoint_public_access_cidrs: list[str] = Field(
        default_factory=list,
        description="CIDRs allowed to reach the public API endpoint; empty keeps it private.",
    )
    admin_principal_arns: list[str] = Field(
        default_factory=list,
        description="IAM roles or users granted cluster admin through EKS access entries.",
    )
    log_retention_days: int = Field(
        default=90, ge=1, le=3653, description="Days control-plane logs are kept (default 90)."
    )
    node_groups: list[NodeGroupSettings] = Field(min_length=1, description="Managed node groups.")

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in SUPPORTED_EKS_VERSIONS:
            raise ValueError(
                f"use one of the supported EKS versions {', '.join(SUPPORTED_EKS_VERSIONS)}"
                ' (quote it in YAML: "1.34")'
            )
        return value

    @field_validator("endpoint_public_access_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str], info: ValidationInfo) -> list[str]:
        environment = (info.context or {}).get("environment")
        for value in values:
            try:
                network = ipaddress.IPv4Network(value, strict=True)
            except ValueError:
                raise ValueError(f"{value!r} is not an IPv4 CIDR such as 203.0.113.0/24") from None
            if network.prefixlen == 0 and environment in PRODUCTION_ENVIRONMENTS:
                raise ValueError(
                    f"{value!r} opens the {environment} API endpoint to the whole "
                    "internet; list your egress ranges, or [] for a private endpoint"
                )
        return values

    @field_validator("admin_principal_arns")
    @classmethod
    def _arns(cls, values: list[str]) -> list[str]:
        for value in values:
            _matches(
                _IAM_ARN,
                value,
                f"{value!r} is not an IAM role or user ARN such as "
                "arn:aws:iam::123456789012:role/platform-admin",
            )
        return values


class RegistrySettings(Strict):
    """The ECR repository of the Django image."""

    repository_name: str = Field(description="ECR repository name, for example djeks/django-app.")
    keep_tagged_images: int = Field(
        default=50, ge=1, le=1000, description="Tagged images kept; older ones expire (default 50)."
    )
    expire_untagged_days: int = Field(
        default=7, ge=1, le=365, description="Days before untagged images expire (default 7)."
    )
    cache_expire_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="Days Kaniko layer-cache images are kept in the cache repository (default 14).",
    )

    @field_validator("repository_name")
    @classmethod
    def _repository(cls, value: str) -> str:
        return _matches(
            _ECR_REPOSITORY, value, "use lowercase letters, digits and . _ - / (ECR naming rules)"
        )


class GitOpsSettings(Strict):
    """The Git repository, branch and paths that Jenkins and Argo CD follow."""

    repo_url: str = Field(description="Git URL of this repository (https:// or ssh).")
    branch: str = Field(default="main", description="Branch Argo CD tracks and Jenkins pushes to.")
    chart_path: str = Field(default="helm/django-app", description="Path of the Django chart.")
    jenkinsfile_path: str = Field(default="Jenkinsfile", description="Pipeline script path.")
    bot_name: str = Field(default="Jenkins tag bump", description="Author of tag-bump commits.")
    bot_email: str = Field(
        default="jenkins-bot@users.noreply.github.com",
        description="Author email of tag-bump commits.",
    )

    @field_validator("repo_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _matches(_GIT_URL, value, "use an https:// or ssh Git URL")


_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_PLUGIN = re.compile(r"^[A-Za-z0-9_.-]+:(?!latest$)[A-Za-z0-9_.-]+$")


def _kubernetes_name(value: str) -> str:
    return _matches(
        _K8S_NAME,
        value,
        "use a Kubernetes name: lowercase letters, digits and '-', at most 63 characters",
    )


DEFAULT_JENKINS_PLUGINS = (
    "kubernetes:4540.v612369217f87",
    "workflow-aggregator:608.v67378e9d3db_1",
    "git:5.10.1",
    "configuration-as-code:2115.vf6de120eef70",
    "job-dsl:1.93",
    "github:1.43.0",
)
"""The jenkins 5.9.53 chart's own pinned plugins, plus job-dsl (the pipeline job) and github
(its webhook trigger)."""


class JenkinsSettings(Strict):
    """Jenkins on EKS (chart `jenkins`)."""

    namespace: str = Field(default="jenkins", description="Namespace of controller and agents.")
    admin_secret: str = Field(
        default="jenkins-admin",
        description="Existing Secret with keys jenkins-admin-user and jenkins-admin-password.",
    )
    git_credentials_secret: str = Field(
        default="git-credentials",
        description="Existing Secret with keys username and password (a token) that may push.",
    )
    job_name: str = Field(default="django-app", description="Name of the pipeline job.")
    storage_size_gib: int = Field(default=20, ge=8, le=1000, description="JENKINS_HOME size.")
    plugins: list[str] = Field(
        default_factory=lambda: list(DEFAULT_JENKINS_PLUGINS),
        description="Plugins as name:version, every one pinned.",
    )

    @field_validator("namespace", "admin_secret", "git_credentials_secret", "job_name")
    @classmethod
    def _names(cls, value: str) -> str:
        return _kubernetes_name(value)

    @field_validator("plugins")
    @classmethod
    def _pinned(cls, values: list[str]) -> list[str]:
        for value in values:
            _matches(_PLUGIN, value, f"{value!r} is not pinned: write plugin-name:version")
        return values


class ArgoCdSettings(Strict):
    """Argo CD on EKS (chart `argo-cd`)."""

    namespace: str = Field(default="argocd", description="Namespace of Argo CD.")
    exposure: Literal["port-forward", "load-balancer", "ingress"] = Field(
        default="port-forward",
        description="How the UI is reached: kubectl port-forward (default, nothing exposed), "
        "an internet-facing load balancer, or an Ingress for `ingress_host`.",
    )
    ingress_host: str | None = Field(default=None, description="Host name when exposure=ingress.")
    ingress_class_name: str = Field(
        default="alb", description="IngressClass when exposure=ingress."
    )
    admin_enabled: bool = Field(
        default=True,
        description="Keep the built-in admin account; set false once SSO or other accounts exist.",
    )

    @field_validator("namespace")
    @classmethod
    def _names(cls, value: str) -> str:
        return _kubernetes_name(value)

    @model_validator(mode="after")
    def _ingress_needs_host(self) -> ArgoCdSettings:
        if self.exposure == "ingress" and not self.ingress_host:
            raise ValueError(
                "exposure 'ingress' needs ingress_host: set it, or use exposure port-forward"
            )
        return self


class AppSettings(Strict):
    """The Django application that Argo CD deploys."""

    name: str = Field(default="django-app", description="Argo CD Application and release name.")
    namespace: str = Field(default="django-app", description="Namespace the app runs in.")

    @field_validator("name", "namespace")
    @classmethod
    def _names(cls, value: str) -> str:
        return _kubernetes_name(value)


class PlatformSettings(Strict):
    """The platform stack: Jenkins, Argo CD and the Application."""

    jenkins: JenkinsSettings = Field(default_factory=JenkinsSettings)
    argocd: ArgoCdSettings = Field(default_factory=ArgoCdSettings)
    app: AppSettings = Field(default_factory=AppSettings)
    storage_class: str = Field(default="gp3", description="Default StorageClass (encrypted gp3).")


ChartVersion = Annotated[str, Field(pattern=_CHART_VERSION.pattern)]


class ChartVersions(Strict):
    """Pinned Helm chart versions of the platform add-ons."""

    jenkins: ChartVersion = Field(default="5.9.53", description="jenkins chart version.")
    argo_cd: ChartVersion = Field(default="10.1.1", description="argo-cd chart version.")
    argocd_apps: ChartVersion = Field(default="2.0.5", description="argocd-apps chart version.")


class EnvironmentConfig(Strict):
    """One environment: everything the stacks need, loaded from config/<environment>.yaml."""

    project: str = Field(description="Short project name, prefix of resource names.")
    environment: str = Field(description="Environment name; must match the file name.")
    aws: AwsSettings
    tags: dict[str, str] = Field(
        default_factory=dict, description="Tags on every AWS resource (provider default_tags)."
    )
    state: StateSettings
    network: NetworkSettings
    cluster: ClusterSettings
    registry: RegistrySettings
    gitops: GitOpsSettings
    charts: ChartVersions = Field(default_factory=ChartVersions)
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            if not 1 <= len(key) <= 128 or key.lower().startswith("aws:") or len(value) > 256:
                raise ValueError(
                    f"tag {key!r}: keys have 1-128 characters and do not start "
                    "with 'aws:'; values have at most 256 characters"
                )
        return tags

    @field_validator("project", "environment")
    @classmethod
    def _names(cls, value: str) -> str:
        return _matches(_NAME, value, "use 2-32 lowercase letters, digits and hyphens")

    @model_validator(mode="after")
    def _zones_in_region(self) -> EnvironmentConfig:
        for zone in self.network.availability_zones:
            if not re.fullmatch(rf"{re.escape(self.aws.region)}[a-z]", zone):
                raise ValueError(
                    f"network.availability_zones: {zone!r} is not a zone of "
                    f"{self.aws.region}; use names such as {self.aws.region}a"
                )
        return self

    @property
    def name_prefix(self) -> str:
        """`<project>-<environment>`, the prefix of every resource name."""
        return f"{self.project}-{self.environment}"
