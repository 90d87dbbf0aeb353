"""platform: Jenkins, Argo CD and the Argo CD Application of the Django chart, on EKS."""

from __future__ import annotations

from pathlib import Path

from cdktf import Token
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_db_instance import DataAwsDbInstance
from cdktf_cdktf_provider_aws.data_aws_ecr_repository import DataAwsEcrRepository
from cdktf_cdktf_provider_aws.data_aws_eks_cluster import DataAwsEksCluster
from cdktf_cdktf_provider_aws.data_aws_route53_zone import DataAwsRoute53Zone
from constructs import Construct

from delivery.values_file import environment_values_file
from infra_config import EnvironmentConfig
from infra_config.secrets import (
    PlatformSecret,
    app_database_secret,
    app_database_values,
    app_secrets,
    argocd_secrets,
    jenkins_secrets,
)
from infra_constructs.alb import AlbIngressProps, alb_annotations
from infra_constructs.argocd import (
    ApplicationProps,
    ArgoCdAddon,
    ArgoCdAddonProps,
    ArgoCdApplication,
    ArgoCdApplicationProps,
    ArgoCdValuesProps,
)
from infra_constructs.certificate import IngressCertificate, IngressCertificateProps
from infra_constructs.chart_values import deep_merge
from infra_constructs.jenkins import (
    AGENT_SERVICE_ACCOUNT,
    JenkinsAddon,
    JenkinsAddonProps,
    JenkinsValuesProps,
)
from infra_constructs.jenkins import WEBHOOK_PATH as JENKINS_WEBHOOK_PATH
from infra_constructs.kubernetes_providers import KubernetesProviders, KubernetesProvidersProps
from infra_constructs.load_balancer_controller import INGRESS_CLASS
from infra_constructs.rds_ca import rds_root_certificates
from infra_constructs.registry import cache_repository_name
from infra_constructs.storage_class import DefaultStorageClass, DefaultStorageClassProps
from stacks.base import EnvironmentStack, cluster_name
from stacks.database import database_identifier

AGENT_POD_FILE = Path(__file__).resolve().parent.parent / "jenkins" / "agent-pod.yaml"
EVERYONE = ("0.0.0.0/0",)
APP_READINESS_PATH = "/readyz"
"""The Django chart's readiness probe path, answered before Django's host check: the ALB's
health check of each app pod."""
JENKINS_HEALTH_PATH = "/login"
"""Answers 200 without a session once Jenkins is up: the ALB's health check of the controller."""


class PlatformStack(EnvironmentStack):
    """The default StorageClass, Jenkins, Argo CD and the Django Application, each add-on with
    its namespace (Pod Security labels), its AWS identity and its pinned chart.

    The cluster and the registry are looked up by name (data sources), so nothing here depends
    on values unknown at plan time; the helm and kubernetes providers authenticate with
    `aws eks get-token`, so no credential lands in state.

    Exposure (config `ingress`): each host set gets an Ingress of class alb. Three ALBs at
    most, one per audience: `<prefix>-app` (the Django app, everyone), `<prefix>-tools` (the
    Jenkins and Argo CD UIs, `allowed_cidrs`), `<prefix>-webhook` (GitHub's hook ranges, the
    webhook path only). The certificate is `ingress.certificate_arn`, or one the stack
    requests for every host, validated in `dns.zone_name`.
    """

    def __init__(self, scope: Construct, id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, id, config=config)
        platform, gitops, registry = config.platform, config.gitops, config.registry

        cluster = DataAwsEksCluster(self, "cluster", name=cluster_name(config))
        KubernetesProviders(
            props=KubernetesProvidersProps(cluster=cluster, region=config.aws.region)
        ).deploy(self)
        storage_class = DefaultStorageClass(
            props=DefaultStorageClassProps(name=platform.storage_class)
        ).deploy(self)

        repository = DataAwsEcrRepository(self, "repository", name=registry.repository_name)
        cache_repository = DataAwsEcrRepository(
            self, "cache-repository", name=cache_repository_name(registry.repository_name)
        )
        account = DataAwsCallerIdentity(self, "account")

        ingress = config.ingress
        certificate_arn = ingress.certificate_arn
        if ingress.hosts and certificate_arn is None:
            zone = DataAwsRoute53Zone(self, "zone", name=config.dns.zone_name, private_zone=False)
            certificate_arn = IngressCertificate(
                self,
                "ingress-certificate",
                props=IngressCertificateProps(hosts=tuple(ingress.hosts), zone_id=zone.zone_id),
            ).certificate_arn

        def alb(audience: str, cidrs, health_check_path: str | None = None) -> AlbIngressProps:
            return AlbIngressProps(
                group=f"{config.name_prefix}-{audience}",
                certificate_arn=certificate_arn,
                inbound_cidrs=tuple(cidrs),
                health_check_path=health_check_path,
            )

        webhook = ingress.jenkins_webhook_host
        promoted_from = gitops.promoted_from
        polling = platform.jenkins.scm_polling
        if polling is None:
            polling = webhook is None and promoted_from is None
        cache_name = cache_repository_name(registry.repository_name)

        jenkins = JenkinsAddon(
            props=JenkinsAddonProps(
                version=config.charts.jenkins,
                namespace=platform.jenkins.namespace,
                agent_role_name=f"{config.name_prefix}-jenkins-agent",
                oidc_issuer_url=cluster.identity.get(0).oidc.get(0).issuer,
                # A promoted environment builds nothing: it reads whether an image arrived.
                push_repository_arns=(repository.arn, cache_repository.arn)
                if promoted_from is None
                else (),
                promote_repository_arns=(repository.arn,) if promoted_from else (),
                values=JenkinsValuesProps(
                    ecr_registry=f"{account.account_id}.dkr.ecr.{config.aws.region}.amazonaws.com",
                    ecr_repository=registry.repository_name,
                    ecr_cache_repository=cache_name if promoted_from is None else None,
                    environment=config.environment,
                    chart_path=gitops.chart_path,
                    values_file=environment_values_file(gitops.chart_path, config.environment),
                    promoted_from=promoted_from,
                    argocd_namespace=platform.argocd.namespace,
                    application=platform.app.name,
                    application_url=application_url(config),
                    repo_url=gitops.repo_url,
                    branch=gitops.branch,
                    jenkinsfile_path=gitops.jenkinsfile_path,
                    job_name=platform.jenkins.job_name,
                    admin_secret=platform.jenkins.admin_secret,
                    git_credentials_secret=platform.jenkins.git_credentials_secret,
                    bot_name=gitops.bot_name,
                    bot_email=gitops.bot_email,
                    plugins=tuple(platform.jenkins.plugins),
                    storage_class=platform.storage_class,
                    storage_size_gib=platform.jenkins.storage_size_gib,
                    agent_pod_yaml=AGENT_POD_FILE.read_text(),
                    host=ingress.jenkins_host,
                    alb=alb("tools", ingress.allowed_cidrs, JENKINS_HEALTH_PATH)
                    if ingress.jenkins_host
                    else None,
                    webhook_host=webhook,
                    webhook_alb=alb("webhook", ingress.github_hook_cidrs, JENKINS_HEALTH_PATH)
                    if webhook
                    else None,
                    webhook_secret=platform.jenkins.webhook_secret if webhook else None,
                    scm_poll_minutes=platform.jenkins.scm_poll_minutes if polling else None,
                ),
                secrets=jenkins_secrets(config),
                secrets_refresh_minutes=config.addons.external_secrets.refresh_interval_minutes,
                depends_on=(storage_class,),
            )
        )
        jenkins.deploy(self)

        argocd = ArgoCdAddon(
            props=ArgoCdAddonProps(
                version=config.charts.argo_cd,
                namespace=platform.argocd.namespace,
                values=ArgoCdValuesProps(
                    host=ingress.argocd_host,
                    alb=alb("tools", ingress.allowed_cidrs) if ingress.argocd_host else None,
                    admin_enabled=platform.argocd.admin_enabled,
                    git_poll_seconds=platform.argocd.git_poll_seconds,
                ),
                secrets=argocd_secrets(config),
                secrets_refresh_minutes=config.addons.external_secrets.refresh_interval_minutes,
            )
        )
        argocd.deploy(self)

        ArgoCdApplication(
            props=ArgoCdApplicationProps(
                version=config.charts.argocd_apps,
                application=ApplicationProps(
                    name=platform.app.name,
                    argocd_namespace=platform.argocd.namespace,
                    repo_url=gitops.repo_url,
                    target_revision=gitops.branch,
                    chart_path=gitops.chart_path,
                    environment=config.environment,
                    destination_namespace=platform.app.namespace,
                    image_repository=repository.repository_url,
                    values=deep_merge(
                        app_database_values(config.database.kind),
                        app_ingress_values(
                            ingress.app_host, alb("app", EVERYONE, APP_READINESS_PATH)
                        )
                        if ingress.app_host
                        else {},
                    ),
                ),
                depends_on=(argocd.release.release,),
                construct_id="django-application",  # the id it was first deployed with
                secrets=(*app_secrets(config), *self._database_secret(config)),
                secrets_refresh_minutes=config.addons.external_secrets.refresh_interval_minutes,
                watchers=((platform.jenkins.namespace, AGENT_SERVICE_ACCOUNT),),
            )
        ).deploy(self)

        urls = {
            "app_url": (ingress.app_host, "/", "The Django app."),
            "jenkins_url": (ingress.jenkins_host, "/", "The Jenkins UI (allowed_cidrs only)."),
            "github_webhook_url": (
                webhook,
                JENKINS_WEBHOOK_PATH,
                "Payload URL of the repository's GitHub webhook (content type "
                "application/json, secret from Secrets Manager, README 'Reaching the app, "
                "Jenkins and Argo CD').",
            ),
            "argocd_url": (ingress.argocd_host, "/", "The Argo CD UI and CLI (allowed_cidrs)."),
        }
        self.add_outputs(
            {
                "jenkins_agent_role_arn": (
                    jenkins.agent_role.role_arn,
                    "IAM role of the Jenkins build pods (push to ECR).",
                ),
                "jenkins_namespace": (
                    platform.jenkins.namespace,
                    "kubectl -n <this> port-forward svc/jenkins 8080:8080",
                ),
                "argocd_namespace": (
                    platform.argocd.namespace,
                    "kubectl -n <this> port-forward svc/argocd-server 8443:443",
                ),
                **{
                    name: (f"https://{host}{path}", description)
                    for name, (host, path, description) in urls.items()
                    if host is not None
                },
            }
        )

    def _database_secret(self, config: EnvironmentConfig) -> tuple[PlatformSecret, ...]:
        """With RDS (`database.kind`), the app's database Secret: its URL built from the secret
        RDS manages and the instance's endpoint (looked up by identifier, as the cluster is),
        and the region's RDS root CAs to verify the server's certificate against."""
        if config.database.kind != "rds":
            return ()
        instance = DataAwsDbInstance(
            self, "database", db_instance_identifier=database_identifier(config)
        )
        return (
            app_database_secret(
                config,
                secret_arn=instance.master_user_secret.get(0).secret_arn,
                host=instance.address,
                port=Token.as_string(instance.port),
                ca_bundle=rds_root_certificates(config.aws.region),
            ),
        )


def application_url(config: EnvironmentConfig) -> str:
    """The Application's page in the Argo CD UI: on `ingress.argocd_host`, else through
    `kubectl -n <argocd> port-forward svc/argocd-server 8443:443` (the README's way in)."""
    host = config.ingress.argocd_host or "localhost:8443"
    return (
        f"https://{host}/applications/{config.platform.argocd.namespace}/{config.platform.app.name}"
    )


def app_ingress_values(host: str, alb: AlbIngressProps) -> dict:
    """The Django chart's `ingress` values for `host` behind `alb`: every path to the app."""
    return {
        "ingress": {
            "enabled": True,
            "className": INGRESS_CLASS,
            "annotations": alb_annotations(alb),
            "hosts": [{"host": host, "paths": [{"path": "/", "pathType": "Prefix"}]}],
        }
    }
