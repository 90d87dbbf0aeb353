"""The typed configuration of one environment, validated before any construct is created.

Every model forbids unknown keys (a typo must not pass silently) and is frozen. Defaults are
chosen to be safe; each field's description says what it does and what its default means.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from infra_constructs import rules
from infra_constructs.subnet_plan import plan_subnets

KubernetesName = Annotated[str, AfterValidator(rules.kubernetes_name)]
ChartVersion = Annotated[str, AfterValidator(rules.chart_version)]
ShortName = Annotated[str, AfterValidator(rules.short_name)]
NamePart = Annotated[str, AfterValidator(rules.name_part)]
LogRetentionDays = Annotated[int, AfterValidator(rules.log_retention_days)]
S3Bucket = Annotated[str, AfterValidator(rules.s3_bucket)]
DynamoDbTable = Annotated[str, AfterValidator(rules.dynamodb_table)]
EcrRepository = Annotated[str, AfterValidator(rules.ecr_repository)]
AwsRegion = Annotated[str, AfterValidator(rules.aws_region)]
AwsAccountId = Annotated[str, AfterValidator(rules.aws_account_id)]
GitUrl = Annotated[str, AfterValidator(rules.git_url)]
VpcCidr = Annotated[str, AfterValidator(rules.vpc_cidr)]
IamPrincipalArns = Annotated[list[str], AfterValidator(rules.iam_principal_arns)]
PinnedPlugins = Annotated[list[str], AfterValidator(rules.pinned_plugins)]
DnsName = Annotated[str, AfterValidator(rules.dns_name)]
AcmCertificateArn = Annotated[str, AfterValidator(rules.acm_certificate_arn)]
"""Reusable field types: each applies one rule of `infra_constructs.rules`, which the props
of the constructs apply too."""

SUPPORTED_EKS_VERSIONS = ("1.32", "1.33", "1.34", "1.35")
"""EKS versions this code is tested with; newer ones need a review of add-ons and APIs first."""


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AwsSettings(Strict):
    """Where the environment lives."""

    region: AwsRegion = Field(description="AWS region of every stack, for example eu-west-1.")
    account_id: AwsAccountId | None = Field(
        default=None,
        description="The environment's AWS account ID (12 digits, quoted). Set: Terraform "
        "refuses credentials of any other account (`allowed_account_ids`). Needed on both sides "
        "of a promotion across accounts (README 'Network, registry and cluster'); null: "
        "whatever account the credentials are for, the same for every environment.",
    )


class StateSettings(Strict):
    """The S3 bucket and DynamoDB table that hold every other stack's Terraform state."""

    bucket: S3Bucket = Field(description="Globally unique S3 bucket name for Terraform state.")
    lock_table: DynamoDbTable = Field(
        description="DynamoDB table for state locks (hash key LockID)."
    )
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


class NetworkSettings(Strict):
    """The VPC and its subnets."""

    vpc_cidr: VpcCidr = Field(description="IPv4 CIDR of the VPC, for example 10.10.0.0/16.")
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
    database_subnet_newbits: int = Field(
        default=8,
        ge=1,
        le=12,
        description="Bits added to the VPC prefix for each database subnet (/16 + 8 = /24), "
        "placed after the public ones; they have no route out of the VPC.",
    )
    single_nat_gateway: bool = Field(
        default=False,
        description="One NAT gateway for all AZs (cheaper, one AZ failure cuts egress) "
        "instead of one per AZ (the default).",
    )
    flow_log_retention_days: LogRetentionDays = Field(
        default=90, description="Days VPC flow logs are kept (default 90; a CloudWatch period)."
    )

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
            database_newbits=self.database_subnet_newbits,
        )
        return self


def _unique_instance_types(values: list[str]) -> list[str]:
    rules.no_duplicates(values, "instance types")
    return values


class NodeGroupSettings(Strict):
    """One EKS managed node group."""

    name: ShortName = Field(description="Node group name, lowercase letters, digits and hyphens.")
    instance_types: Annotated[list[str], AfterValidator(_unique_instance_types)] = Field(
        min_length=1, description="EC2 instance types."
    )
    min_size: int = Field(ge=1, description="Fewest nodes (at least 1).")
    desired_size: int = Field(ge=1, description="Nodes at creation; the autoscaler owns it after.")
    max_size: int = Field(ge=1, description="Most nodes.")
    disk_size_gib: int = Field(default=50, ge=20, le=16384, description="gp3 root volume size.")
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field(
        default="ON_DEMAND", description="ON_DEMAND (default) or SPOT."
    )

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodeGroupSettings:
        rules.node_group_sizes(self.min_size, self.desired_size, self.max_size)
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
    admin_principal_arns: IamPrincipalArns = Field(
        default_factory=list,
        description="IAM roles or users granted cluster admin through EKS access entries.",
    )
    deployer_admin: bool = Field(
        default=True,
        description="Grant the identity that applies the cluster stack (an assumed role "
        "resolved to its role) cluster admin through an access entry; with false, only "
        "admin_principal_arns administer the cluster.",
    )
    log_retention_days: LogRetentionDays = Field(
        default=90,
        description="Days control-plane logs are kept (default 90; a CloudWatch period).",
    )
    node_groups: list[NodeGroupSettings] = Field(min_length=1, description="Managed node groups.")

    @field_validator("node_groups")
    @classmethod
    def _unique_group_names(cls, groups: list[NodeGroupSettings]) -> list[NodeGroupSettings]:
        names = [group.name for group in groups]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(
                f"node group names {repeated} are used twice: each group needs its own name"
            )
        return groups

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if value not in SUPPORTED_EKS_VERSIONS:
            raise ValueError(
                f"use one of the supported EKS versions {', '.join(SUPPORTED_EKS_VERSIONS)}"
                ' (quote it in YAML: "1.34")'
            )
        return value

    @model_validator(mode="after")
    def _someone_administers(self) -> ClusterSettings:
        rules.cluster_administrators(self.deployer_admin, self.admin_principal_arns)
        return self

    @field_validator("endpoint_public_access_cidrs")
    @classmethod
    def _cidrs(cls, values: list[str], info: ValidationInfo) -> list[str]:
        rules.endpoint_cidrs(values, environment=(info.context or {}).get("environment"))
        return values


class RegistrySettings(Strict):
    """The ECR repository of the Django image."""

    repository_name: EcrRepository = Field(
        description="ECR repository name, for example djeks/django-app."
    )
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


class GitOpsSettings(Strict):
    """The Git repository, branch and paths that Jenkins and Argo CD follow."""

    repo_url: GitUrl = Field(description="Git URL of this repository (https:// or ssh).")
    branch: Annotated[str, AfterValidator(rules.git_branch)] = Field(
        default="main", description="Branch Argo CD tracks and Jenkins pushes to."
    )
    chart_path: Annotated[str, AfterValidator(rules.repository_path)] = Field(
        default="helm/django-app", description="Path of the Django chart."
    )
    jenkinsfile_path: Annotated[str, AfterValidator(rules.repository_path)] = Field(
        default="Jenkinsfile", description="Pipeline script path."
    )
    bot_name: Annotated[str, AfterValidator(rules.person_name)] = Field(
        default="Jenkins tag bump", description="Author of tag-bump commits."
    )
    bot_email: Annotated[str, AfterValidator(rules.email)] = Field(
        default="jenkins-bot@users.noreply.github.com",
        description="Author email of tag-bump commits.",
    )
    promoted_from: NamePart | None = Field(
        default=None,
        description="The environment whose healthy images this one runs. Set (prod: dev): "
        "nothing is built here, the image tag changes only by promotion (`make promote "
        "FROM=<it> TO=<this>`, or Build Now on this Jenkins), images reach this registry by "
        "ECR replication or a shared repository. null: Jenkins builds every push to `branch`.",
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

    namespace: KubernetesName = Field(
        default="jenkins", description="Namespace of controller and agents."
    )
    admin_secret: KubernetesName = Field(
        default="jenkins-admin",
        description="Secret with keys jenkins-admin-user and jenkins-admin-password, synced "
        "from Secrets Manager `<project>/<environment>/<this name>`.",
    )
    git_credentials_secret: KubernetesName = Field(
        default="git-credentials",
        description="Secret with keys username and password (a token that may push), synced "
        "from Secrets Manager `<project>/<environment>/<this name>`.",
    )
    webhook_secret: KubernetesName = Field(
        default="jenkins-webhook",
        description="Secret with key secret, the HMAC key every GitHub delivery is checked "
        "against, synced from Secrets Manager `<project>/<environment>/<this name>` (generated "
        "by make deploy); used when ingress.jenkins_webhook_host is set.",
    )
    scm_polling: bool | None = Field(
        default=None,
        description="Poll Git for changes as well as (or instead of) the webhook. None "
        "(default): poll only when no ingress.jenkins_webhook_host is set and the environment "
        "builds (a promoted one never polls; true is refused there).",
    )
    scm_poll_minutes: int = Field(
        default=5, ge=1, le=60, description="Minutes between two polls when polling."
    )
    job_name: KubernetesName = Field(default="django-app", description="Name of the pipeline job.")
    storage_size_gib: int = Field(default=20, ge=8, le=1000, description="JENKINS_HOME size.")
    plugins: PinnedPlugins = Field(
        default_factory=lambda: list(DEFAULT_JENKINS_PLUGINS),
        description="Plugins as name:version, every one pinned.",
    )


class ArgoCdSettings(Strict):
    """Argo CD on EKS (chart `argo-cd`)."""

    namespace: KubernetesName = Field(default="argocd", description="Namespace of Argo CD.")
    admin_enabled: bool = Field(
        default=True,
        description="Keep the built-in admin account; set false once SSO or other accounts exist.",
    )
    repository_credentials: bool = Field(
        default=False,
        description="gitops.repo_url is private: Argo CD reads it with the Git token "
        "(platform.jenkins.git_credentials_secret), synced as its repository Secret.",
    )
    git_poll_seconds: int = Field(
        default=30,
        ge=10,
        le=3600,
        description="How often Argo CD compares the Application with Git (timeout.reconciliation, "
        "no jitter): a push deploys within this time, and the pipeline's wait sees it.",
    )


class AppSettings(Strict):
    """The Django application that Argo CD deploys."""

    name: KubernetesName = Field(
        default="django-app", description="Argo CD Application and release name."
    )
    namespace: KubernetesName = Field(
        default="django-app", description="Namespace the app runs in."
    )


class ExternalSecretsSettings(Strict):
    """External Secrets Operator (chart `external-secrets`) and its store for Secrets Manager."""

    namespace: KubernetesName = Field(
        default="external-secrets", description="Namespace of the operator."
    )
    refresh_interval_minutes: int = Field(
        default=60,
        ge=1,
        le=1440,
        description="How often each Secret is read again from Secrets Manager (a changed value "
        "reaches the cluster within this time).",
    )


class MetricsServerSettings(Strict):
    """metrics-server (chart `metrics-server`): the metrics the HPA and `kubectl top` read."""

    enabled: bool = Field(
        default=True,
        description="Install metrics-server; without it an HPA never scales (no metrics).",
    )
    replicas: int = Field(
        default=2,
        ge=1,
        le=10,
        description="Replicas; more than one adds a PodDisruptionBudget keeping one up.",
    )


class LoadBalancerControllerSettings(Strict):
    """AWS Load Balancer Controller (chart `aws-load-balancer-controller`): ALBs for Ingresses."""

    enabled: bool = Field(
        default=True,
        description="Install the controller; without it no Ingress of class alb gets a load "
        "balancer, so nothing is reachable from outside the cluster.",
    )
    replicas: int = Field(
        default=2,
        ge=rules.LOAD_BALANCER_CONTROLLER_REPLICAS.low,
        le=rules.LOAD_BALANCER_CONTROLLER_REPLICAS.high,
        description="Controller pods; more than one adds a PodDisruptionBudget, so its "
        "admission webhooks stay up during node drains.",
    )


class ClusterAutoscalerSettings(Strict):
    """Cluster Autoscaler (chart `cluster-autoscaler`): node groups between min and max size."""

    enabled: bool = Field(
        default=True,
        description="Install it; without it node groups stay at desired_size and pods that do "
        "not fit stay Pending.",
    )
    expander: rules.AutoscalerExpander = Field(
        default="least-waste",
        description="Which node group grows when several could: least-waste (default), "
        "random, most-pods or priority.",
    )
    scale_down_unneeded_minutes: int = Field(
        default=10,
        ge=rules.SCALE_DOWN_UNNEEDED_MINUTES.low,
        le=rules.SCALE_DOWN_UNNEEDED_MINUTES.high,
        description="Minutes a node stays underused before it is drained and removed.",
    )
    scale_down_utilization_threshold: float = Field(
        default=0.5,
        ge=rules.SCALE_DOWN_UTILIZATION_THRESHOLD.low,
        le=rules.SCALE_DOWN_UTILIZATION_THRESHOLD.high,
        description="Share of a node's CPU and memory requested by pods below which the node "
        "is underused.",
    )


class ExternalDnsSettings(Strict):
    """external-dns (chart `external-dns`): installed only when `dns.zone_name` is set."""

    policy: rules.DnsRecordPolicy = Field(
        default="upsert-only",
        description="upsert-only (default: records are created and updated, never deleted) "
        "or sync (records no Ingress asks for any more are deleted).",
    )


class AddonsSettings(Strict):
    """The addons stack: what the cluster needs before the platform is installed."""

    external_secrets: ExternalSecretsSettings = Field(default_factory=ExternalSecretsSettings)
    load_balancer_controller: LoadBalancerControllerSettings = Field(
        default_factory=LoadBalancerControllerSettings
    )
    metrics_server: MetricsServerSettings = Field(default_factory=MetricsServerSettings)
    cluster_autoscaler: ClusterAutoscalerSettings = Field(default_factory=ClusterAutoscalerSettings)
    external_dns: ExternalDnsSettings = Field(default_factory=ExternalDnsSettings)


class DnsSettings(Strict):
    """The public DNS zone of the environment's host names."""

    zone_name: DnsName | None = Field(
        default=None,
        description="Public Route 53 hosted zone (it must exist), e.g. dev.example.com: "
        "external-dns writes the records of the ingress hosts in it. None (default): no "
        "external-dns; point the host names at the load balancers yourself.",
    )


class PlatformSettings(Strict):
    """The platform stack: Jenkins, Argo CD and the Application."""

    jenkins: JenkinsSettings = Field(default_factory=JenkinsSettings)
    argocd: ArgoCdSettings = Field(default_factory=ArgoCdSettings)
    app: AppSettings = Field(default_factory=AppSettings)
    storage_class: str = Field(default="gp3", description="Default StorageClass (encrypted gp3).")


class IngressSettings(Strict):
    """What is reachable from outside the cluster, through ALBs of the load balancer controller.

    Each host set here gets an Ingress; a host left unset is reached by `kubectl
    port-forward` only. HTTPS on 443 with the certificate, HTTP on 80 redirected to it.
    """

    app_host: DnsName | None = Field(
        default=None,
        description="Host name of the Django app (internet-facing ALB, open to everyone).",
    )
    jenkins_host: DnsName | None = Field(
        default=None,
        description="Host name of the Jenkins UI (ALB shared with Argo CD, open to "
        "allowed_cidrs only).",
    )
    jenkins_webhook_host: DnsName | None = Field(
        default=None,
        description="Host name GitHub delivers webhooks to (its own ALB, open to "
        "github_hook_cidrs only, path /github-webhook/ only). None: Jenkins polls Git instead. "
        "Refused in a promoted environment (gitops.promoted_from), which builds nothing on push.",
    )
    argocd_host: DnsName | None = Field(
        default=None,
        description="Host name of the Argo CD UI and CLI (gRPC), on the ALB shared with "
        "Jenkins, open to allowed_cidrs only.",
    )
    allowed_cidrs: list[str] = Field(
        default_factory=list,
        description="IPv4 CIDRs allowed to reach the Jenkins and Argo CD UIs (your office or "
        "VPN egress); never 0.0.0.0/0 in prod.",
    )
    github_hook_cidrs: list[str] = Field(
        default_factory=lambda: list(rules.GITHUB_HOOK_CIDRS),
        description="IPv4 ranges GitHub delivers webhooks from (the `hooks` list of "
        "https://api.github.com/meta).",
    )
    certificate_arn: AcmCertificateArn | None = Field(
        default=None,
        description="ACM certificate (in aws.region) covering every host. None: the platform "
        "stack requests one, validated by DNS in dns.zone_name.",
    )

    @field_validator("allowed_cidrs")
    @classmethod
    def _allowed(cls, values: list[str], info: ValidationInfo) -> list[str]:
        rules.source_cidrs(values, environment=(info.context or {}).get("environment"))
        return values

    @field_validator("github_hook_cidrs")
    @classmethod
    def _hooks(cls, values: list[str]) -> list[str]:
        rules.source_cidrs(values)
        return values

    @property
    def hosts(self) -> list[str]:
        """Every host set, in field order."""
        return [
            host
            for host in (
                self.app_host,
                self.jenkins_host,
                self.jenkins_webhook_host,
                self.argocd_host,
            )
            if host is not None
        ]

    @model_validator(mode="after")
    def _consistent(self) -> IngressSettings:
        hosts = self.hosts
        if len(set(hosts)) != len(hosts):
            raise ValueError(
                f"hosts {hosts} must all differ: each is its own Ingress (and the webhook host "
                "its own load balancer)"
            )
        if (self.jenkins_host or self.argocd_host) and not self.allowed_cidrs:
            raise ValueError(
                "jenkins_host and argocd_host need allowed_cidrs: list who may reach the UIs, "
                "or leave the hosts unset to use kubectl port-forward"
            )
        if self.jenkins_webhook_host and not self.github_hook_cidrs:
            raise ValueError(
                "jenkins_webhook_host needs github_hook_cidrs (GitHub's hook ranges), or leave "
                "it unset to let Jenkins poll"
            )
        return self


DatabaseKind = Literal["rds", "in-cluster"]


class DatabaseSettings(Strict):
    """The Django service's database: RDS for PostgreSQL (database stack), or in dev the chart's
    own PostgreSQL pod. The settings after `kind` are RDS's."""

    kind: DatabaseKind = Field(
        default="rds",
        description="rds (default): the database stack, RDS for PostgreSQL with the settings "
        "below. in-cluster: the chart's single PostgreSQL pod on a gp3 volume, no standby, no "
        "backups (dev only, refused in prod); no database stack.",
    )
    credentials_refresh_minutes: int = Field(
        default=1,
        ge=1,
        le=60,
        description="How often External Secrets reads the credentials RDS manages again: after "
        "RDS rotates the password, new connections fail for at most this long plus the "
        "kubelet's Secret sync (about a minute).",
    )
    engine_version: Annotated[str, AfterValidator(rules.postgres_major_version)] = Field(
        default="17",
        description=f"PostgreSQL major version, one of {rules.POSTGRES_MAJOR_VERSIONS}; minor "
        "versions are applied by RDS in the maintenance window.",
    )
    instance_class: Annotated[str, AfterValidator(rules.rds_instance_class)] = Field(
        default="db.t4g.small", description="RDS instance class."
    )
    allocated_storage_gib: int = Field(
        default=20,
        ge=rules.RDS_STORAGE_GIB.low,
        le=rules.RDS_STORAGE_GIB.high,
        description="gp3 storage at creation.",
    )
    max_allocated_storage_gib: int = Field(
        default=100,
        ge=rules.RDS_STORAGE_GIB.low,
        le=rules.RDS_STORAGE_GIB.high,
        description="Storage autoscaling limit (at least 10 % above allocated_storage_gib).",
    )
    multi_az: bool = Field(
        default=True,
        description="A standby in a second zone, promoted on failure (required in prod).",
    )
    deletion_protection: bool = Field(
        default=True, description="RDS refuses to delete the instance (required in prod)."
    )
    final_snapshot: bool = Field(
        default=True,
        description="Snapshot `<prefix>-postgres-final` when the instance is deleted "
        "(required in prod).",
    )
    backup_retention_days: int = Field(
        default=7,
        ge=rules.BACKUP_RETENTION_DAYS.low,
        le=rules.BACKUP_RETENTION_DAYS.high,
        description="Days automated backups (point-in-time recovery) are kept.",
    )
    backup_window: Annotated[str, AfterValidator(rules.rds_backup_window)] = Field(
        default="01:00-02:00", description="Daily backup window, UTC."
    )
    maintenance_window: Annotated[str, AfterValidator(rules.rds_maintenance_window)] = Field(
        default="sun:03:00-sun:04:00",
        description="Weekly maintenance window (minor upgrades), UTC; after the backup window.",
    )
    log_retention_days: LogRetentionDays = Field(
        default=30, description="Days the PostgreSQL logs are kept (a CloudWatch period)."
    )
    performance_insights_retention_days: Annotated[
        int, AfterValidator(rules.performance_insights_retention)
    ] = Field(default=7, description="Days Performance Insights keeps (7 is free).")
    database_name: Annotated[str, AfterValidator(rules.postgres_identifier)] = Field(
        default="django", description="The database Django uses."
    )
    master_username: Annotated[str, AfterValidator(rules.postgres_identifier)] = Field(
        default="django",
        description="Its owner; RDS makes and rotates the password in Secrets Manager.",
    )

    @model_validator(mode="after")
    def _storage(self) -> DatabaseSettings:
        rules.rds_storage(self.allocated_storage_gib, self.max_allocated_storage_gib)
        return self


class ChartVersions(Strict):
    """Pinned Helm chart versions of the platform add-ons."""

    jenkins: ChartVersion = Field(default="5.9.53", description="jenkins chart version.")
    argo_cd: ChartVersion = Field(default="10.1.1", description="argo-cd chart version.")
    argocd_apps: ChartVersion = Field(default="2.0.5", description="argocd-apps chart version.")
    external_secrets: ChartVersion = Field(
        default="2.9.0", description="external-secrets chart version."
    )
    metrics_server: ChartVersion = Field(
        default="3.13.1", description="metrics-server chart version."
    )
    aws_load_balancer_controller: ChartVersion = Field(
        default="3.5.0", description="aws-load-balancer-controller chart version."
    )
    cluster_autoscaler: ChartVersion = Field(
        default="9.59.0", description="cluster-autoscaler chart version."
    )
    external_dns: ChartVersion = Field(default="1.21.1", description="external-dns chart version.")


class EnvironmentConfig(Strict):
    """One environment: everything the stacks need, loaded from config/<environment>.yaml."""

    project: NamePart = Field(
        description="Short project name (2-12 characters), prefix of resource names."
    )
    environment: NamePart = Field(
        description="Environment name (2-12 characters); must match the file name."
    )
    aws: AwsSettings
    tags: dict[str, str] = Field(
        default_factory=dict, description="Tags on every AWS resource (provider default_tags)."
    )
    state: StateSettings
    network: NetworkSettings
    cluster: ClusterSettings
    registry: RegistrySettings
    gitops: GitOpsSettings
    dns: DnsSettings = Field(default_factory=DnsSettings)
    ingress: IngressSettings = Field(default_factory=IngressSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    charts: ChartVersions = Field(default_factory=ChartVersions)
    addons: AddonsSettings = Field(default_factory=AddonsSettings)
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        return rules.aws_tags(tags)

    @model_validator(mode="after")
    def _production_database(self) -> EnvironmentConfig:
        if self.environment in rules.PRODUCTION_ENVIRONMENTS:
            database = self.database
            if database.kind != "rds":
                raise ValueError(
                    f"database.kind: {database.kind!r} is not allowed in {self.environment}: "
                    "use rds (the in-cluster PostgreSQL has no standby and no backups)"
                )
            off = [
                name
                for name in ("multi_az", "deletion_protection", "final_snapshot")
                if not getattr(database, name)
            ]
            if off:
                raise ValueError(
                    f"database: {', '.join(off)} must be true in {self.environment} (a zone "
                    "failure or a mistaken destroy must not lose the data)"
                )
        return self

    @model_validator(mode="after")
    def _hosts_have_a_certificate(self) -> EnvironmentConfig:
        hosts, zone = self.ingress.hosts, self.dns.zone_name
        if hosts and self.ingress.certificate_arn is None and zone is None:
            raise ValueError(
                f"ingress hosts {hosts} need a certificate: set ingress.certificate_arn, or "
                "dns.zone_name so that the platform stack requests one"
            )
        if zone is not None:
            outside = [host for host in hosts if not host.endswith(f".{zone}")]
            if outside:
                raise ValueError(
                    f"ingress hosts {outside} are not in dns.zone_name {zone!r}: use names "
                    f"ending in .{zone}, or another zone"
                )
        return self

    @model_validator(mode="after")
    def _promotion(self) -> EnvironmentConfig:
        source = self.gitops.promoted_from
        if source is None:
            return self
        if source == self.environment:
            raise ValueError(
                f"gitops.promoted_from: {source!r} is this environment: name the environment "
                "whose images this one runs (e.g. dev), or null to build here"
            )
        if self.ingress.jenkins_webhook_host is not None:
            raise ValueError(
                f"ingress.jenkins_webhook_host: {self.environment} is promoted from {source} "
                "and builds nothing on push: remove the webhook host (GitHub's webhook goes to "
                f"{source}'s Jenkins)"
            )
        if self.platform.jenkins.scm_polling:
            raise ValueError(
                f"platform.jenkins.scm_polling: {self.environment} is promoted from {source} "
                "and builds nothing on push: remove scm_polling"
            )
        return self

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
