"""The Jenkins add-on: its namespace, the build pods' IAM role, and the chart with JCasC values
(pipeline job, Kaniko pod template, IRSA agent, no secrets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import ITerraformDependable
from constructs import Construct

from infra_config.secrets import (
    GIT_CREDENTIALS_KEYS,
    JENKINS_ADMIN_KEYS,
    WEBHOOK_SECRET_KEYS,
    PlatformSecret,
)
from infra_constructs.addon import pod_security_namespace
from infra_constructs.alb import AlbIngressProps, alb_annotations
from infra_constructs.external_secrets import synced_secrets
from infra_constructs.helm_addon import HelmAddon, HelmAddonProps, HelmChart, values_yaml
from infra_constructs.iam import policy_json
from infra_constructs.irsa import service_account_role
from infra_constructs.load_balancer_controller import INGRESS_CLASS

JENKINS_CHART = HelmChart(name="jenkins", repository="https://charts.jenkins.io")
AGENT_SERVICE_ACCOUNT = "jenkins-agent"
"""Service account of the build pods; its IAM role (IRSA) may push to ECR."""
AGENT_POD_TEMPLATE = "kaniko"
"""JCasC pod template (and agent label) of the build pods: Kaniko and a Python tools container."""
GIT_CREDENTIALS_ID = "git-credentials"
"""Jenkins credential id of the Git token; the Jenkinsfile reads it from GIT_CREDENTIALS_ID."""
WEBHOOK_CREDENTIALS_ID = "github-webhook-secret"
"""Jenkins credential id of the webhook secret, with which the GitHub plugin checks the
`X-Hub-Signature-256` (HMAC) of every delivery and drops those that do not match."""
WEBHOOK_PATH = "/github-webhook/"
"""The GitHub plugin's endpoint: the only path the webhook load balancer forwards."""

ECR_PUSH_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
"""What Kaniko needs to push an image and read and write its layer cache."""
ECR_PROMOTE_ACTIONS = ("ecr:BatchGetImage", "ecr:PutImage")
"""What promotion needs: whether the image arrived in this environment's registry, and its
second, kept tag (`delivery.promote`). IMMUTABLE tags: an existing tag cannot be moved."""


@dataclass(frozen=True)
class JenkinsValuesProps:
    """What the Jenkins values need.

    ecr_registry / ecr_repository / ecr_cache_repository: where Kaniko pushes (no cache
        repository: a promoted environment, which builds nothing).
    environment / chart_path / values_file: the environment, its chart, and the values file
        holding its image tag (the pipeline bumps or promotes it).
    promoted_from: the environment this one promotes from (default none: it builds).
    argocd_namespace / application / application_url: the Argo CD Application the pipeline
        waits for, and its page in the Argo CD UI (named in the build description).
    repo_url / branch / jenkinsfile_path / job_name: the pipeline job.
    admin_secret: existing Secret with `jenkins-admin-user` and `jenkins-admin-password`.
    git_credentials_secret: existing Secret with `username` and `password` (a token).
    bot_name / bot_email: author of the tag-bump commits.
    plugins: pinned `name:version` plugins.
    storage_class / storage_size_gib: JENKINS_HOME volume.
    agent_pod_yaml: the build pod spec (jenkins/agent-pod.yaml).
    host / alb: the UI's host name and its ALB (default none: port-forward only).
    webhook_host / webhook_alb: the host GitHub delivers to and its ALB, forwarding only
        `WEBHOOK_PATH` (default none: no webhook).
    webhook_secret: existing Secret with key `secret`, the webhook's HMAC key (required with
        `webhook_host`).
    scm_poll_minutes: poll Git every this many minutes as well (default none: no polling).
    """

    ecr_registry: str
    ecr_repository: str
    ecr_cache_repository: str | None
    environment: str
    chart_path: str
    values_file: str
    argocd_namespace: str
    application: str
    application_url: str
    repo_url: str
    branch: str
    jenkinsfile_path: str
    job_name: str
    admin_secret: str
    git_credentials_secret: str
    bot_name: str
    bot_email: str
    plugins: tuple[str, ...]
    storage_class: str
    storage_size_gib: int
    agent_pod_yaml: str
    host: str | None = None
    alb: AlbIngressProps | None = None
    webhook_host: str | None = None
    webhook_alb: AlbIngressProps | None = None
    webhook_secret: str | None = None
    scm_poll_minutes: int | None = None
    promoted_from: str | None = None

    def __post_init__(self) -> None:
        if (self.promoted_from is None) == (self.ecr_cache_repository is None):
            raise ValueError(
                "JenkinsValuesProps: a building environment needs ecr_cache_repository; a "
                f"promoted one (promoted_from {self.promoted_from!r}) builds nothing and has none"
            )
        if self.promoted_from is not None and (
            self.webhook_host is not None or self.scm_poll_minutes is not None
        ):
            raise ValueError(
                f"JenkinsValuesProps: promoted from {self.promoted_from!r}, the job is started "
                "by hand only: no webhook_host, no scm_poll_minutes"
            )
        if (self.host is None) != (self.alb is None):
            raise ValueError("JenkinsValuesProps: host and alb go together: set both or neither")
        if (
            not (self.webhook_host is None)
            == (self.webhook_alb is None)
            == (self.webhook_secret is None)
        ):
            raise ValueError(
                "JenkinsValuesProps: webhook_host, webhook_alb and webhook_secret go together: "
                "a webhook is exposed only with its HMAC secret"
            )
        if self.scm_poll_minutes is not None and not 1 <= self.scm_poll_minutes <= 60:
            raise ValueError(
                f"JenkinsValuesProps.scm_poll_minutes: {self.scm_poll_minutes} must be "
                "between 1 and 60"
            )


def jenkins_values(props: JenkinsValuesProps, *, agent_role_arn: str) -> dict[str, Any]:
    """Values of the `jenkins` chart; `agent_role_arn` is the build pods' IAM role (IRSA).

    Admin credentials come from an existing Secret; plugins are pinned and their dependencies
    resolved to minimum versions (`installLatestPlugins: false`). JCasC adds the pipeline
    environment, the Git credential (read from a mounted existing Secret as
    `${<secret>-<key>}`), the pipeline job, and the Kaniko pod template.
    """
    git_secret = props.git_credentials_secret
    credentials: list[dict[str, Any]] = [
        {
            "usernamePassword": {
                "scope": "GLOBAL",
                "id": GIT_CREDENTIALS_ID,
                "description": f"Git push token, from Secret {git_secret}",
                "username": f"${{{git_secret}-username}}",
                "password": f"${{{git_secret}-password}}",
            }
        }
    ]
    mounted = [{"name": git_secret, "keyName": key} for key in GIT_CREDENTIALS_KEYS]
    if props.webhook_secret is not None:
        credentials.append(
            {
                "string": {
                    "scope": "GLOBAL",
                    "id": WEBHOOK_CREDENTIALS_ID,
                    "description": f"GitHub webhook HMAC key, from Secret {props.webhook_secret}",
                    "secret": f"${{{props.webhook_secret}-{WEBHOOK_SECRET_KEYS[0]}}}",
                }
            }
        )
        mounted += [{"name": props.webhook_secret, "keyName": key} for key in WEBHOOK_SECRET_KEYS]
    config_scripts = {
        "pipeline-environment": _yaml(
            {
                "jenkins": {
                    "globalNodeProperties": [
                        {
                            "envVars": {
                                "env": [
                                    {"key": key, "value": value}
                                    for key, value in pipeline_environment(props).items()
                                ],
                            }
                        }
                    ]
                }
            }
        ),
        "git-credentials": _yaml(
            {"credentials": {"system": {"domainCredentials": [{"credentials": credentials}]}}}
        ),
        "pipeline-job": _yaml({"jobs": [{"script": pipeline_job_dsl(props)}]}),
    }
    if props.webhook_host is not None:
        config_scripts["github-webhook"] = _yaml(
            {
                "unclassified": {
                    "gitHubPluginConfig": {
                        "hookUrl": f"https://{props.webhook_host}{WEBHOOK_PATH}",
                        "hookSecretConfigs": [{"credentialsId": WEBHOOK_CREDENTIALS_ID}],
                    }
                }
            }
        )
    controller: dict[str, Any] = {
        "admin": {
            "existingSecret": props.admin_secret,
            "userKey": JENKINS_ADMIN_KEYS[0],
            "passwordKey": JENKINS_ADMIN_KEYS[1],
        },
        "installPlugins": list(props.plugins),
        "installLatestPlugins": False,
        "installLatestSpecifiedPlugins": False,
        "additionalExistingSecrets": mounted,
        "JCasC": {"configScripts": config_scripts},
    }
    if props.host is not None and props.alb is not None:
        controller["jenkinsUrl"] = f"https://{props.host}/"
        controller["ingress"] = {
            "enabled": True,
            "ingressClassName": INGRESS_CLASS,
            "hostName": props.host,
            "path": "/",
            "pathType": "Prefix",
            "annotations": alb_annotations(props.alb),
        }
    if props.webhook_host is not None and props.webhook_alb is not None:
        controller["secondaryingress"] = {
            "enabled": True,
            "ingressClassName": INGRESS_CLASS,
            "hostName": props.webhook_host,
            "paths": [WEBHOOK_PATH],
            "pathType": "Exact",
            "annotations": alb_annotations(props.webhook_alb),
        }
    return {
        "controller": controller,
        "additionalAgents": {
            AGENT_POD_TEMPLATE: {
                "podName": AGENT_POD_TEMPLATE,
                "customJenkinsLabels": [AGENT_POD_TEMPLATE],
                "yamlTemplate": props.agent_pod_yaml,
                "yamlMergeStrategy": "merge",
            },
        },
        "serviceAccountAgent": {
            "create": True,
            "name": AGENT_SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": agent_role_arn},
        },
        "persistence": {
            "enabled": True,
            "storageClass": props.storage_class,
            "size": f"{props.storage_size_gib}Gi",
        },
    }


def pipeline_environment(props: JenkinsValuesProps) -> dict[str, str]:
    """The variables every build sees (JCasC global properties), which the Jenkinsfile's
    header documents. A promoted environment has PROMOTED_FROM and no cache repository."""
    variables = {
        "ECR_REGISTRY": props.ecr_registry,
        "ECR_REPOSITORY": props.ecr_repository,
        "ECR_CACHE_REPOSITORY": props.ecr_cache_repository,
        "GIT_CREDENTIALS_ID": GIT_CREDENTIALS_ID,
        "GIT_BOT_NAME": props.bot_name,
        "GIT_BOT_EMAIL": props.bot_email,
        "GITOPS_BRANCH": props.branch,
        "DEPLOY_ENVIRONMENT": props.environment,
        "CHART_PATH": props.chart_path,
        "VALUES_FILE": props.values_file,
        "PROMOTED_FROM": props.promoted_from,
        "ARGOCD_NAMESPACE": props.argocd_namespace,
        "ARGOCD_APPLICATION": props.application,
        "ARGOCD_APPLICATION_URL": props.application_url,
    }
    return {key: value for key, value in variables.items() if value is not None}


def pipeline_job_dsl(props: JenkinsValuesProps) -> str:
    """Job DSL of the pipeline job: Jenkinsfile from SCM, runnable by hand. A building
    environment's job also starts on GitHub's push webhook (and SCM polling when
    `scm_poll_minutes` is set); a promoted environment's only by hand (Build Now promotes)."""
    if props.promoted_from is None:
        triggers = "githubPush()"
        if props.scm_poll_minutes is not None:
            triggers += f" ; pollSCM {{ scmpoll_spec('H/{props.scm_poll_minutes} * * * *') }}"
        description = "Tests and builds the Django image, bumps its tag, waits for Argo CD."
        trigger_lines = [f"  properties {{ pipelineTriggers {{ triggers {{ {triggers} }} }} }}"]
    else:
        description = (
            f"Promotes the image that runs healthy in {props.promoted_from} to "
            f"{props.environment}, then waits for Argo CD."
        )
        trigger_lines = []
    return "\n".join(
        [
            f"pipelineJob({_groovy(props.job_name)}) {{",
            f"  description({_groovy(description)})",
            *trigger_lines,
            "  definition {",
            "    cpsScm {",
            "      scm {",
            "        git {",
            f"          remote {{ url({_groovy(props.repo_url)}); "
            f"credentials({_groovy(GIT_CREDENTIALS_ID)}) }}",
            f"          branch({_groovy('*/' + props.branch)})",
            "        }",
            "      }",
            f"      scriptPath({_groovy(props.jenkinsfile_path)})",
            "    }",
            "  }",
            "}",
            # A building job is queued once whenever JCasC (re)creates it: Jenkins learns a
            # job's repository from its builds, so neither the webhook nor polling starts one
            # before a first build has run. A later one finds its image built and its tag set
            # (the loop guard, Image in registry): it only waits for the deploy. A promoted
            # environment's job is never queued: a build of it promotes.
            *([f"queue({_groovy(props.job_name)})"] if props.promoted_from is None else []),
        ]
    )


def _groovy(value: str) -> str:
    """A Groovy single-quoted string literal of `value`."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _yaml(data: dict[str, Any]) -> str:
    return values_yaml(data)


@dataclass(frozen=True)
class JenkinsAddonProps:
    """Properties of `JenkinsAddon`.

    version: exact `jenkins` chart version (required).
    namespace: namespace of controller and build pods (required); created with Pod Security
        `baseline` enforced (the controller image needs it), `restricted` warned and audited.
    agent_role_name: IAM role of the build pods (required).
    oidc_issuer_url: the cluster's OIDC issuer, whose IAM provider the role trusts (required).
    push_repository_arns: ECR repositories the build pods may push to (required: the image and
        its layer cache; `ecr:GetAuthorizationToken` cannot be scoped to a repository; none in
        a promoted environment).
    promote_repository_arns: ECR repositories in which the build pods may only read images and
        add a tag (default none; a promoted environment's image repository: the image must have
        arrived, and gets its kept tag).
    values: everything the chart values need (required).
    secrets: the Secrets the controller mounts (admin login, Git token), synced from AWS
        Secrets Manager by External Secrets before the release (required).
    secrets_refresh_minutes: how often they are read again (default 60).
    depends_on: what must exist before the release, e.g. the default StorageClass of
        JENKINS_HOME (default nothing).
    """

    version: str
    namespace: str
    agent_role_name: str
    oidc_issuer_url: str
    push_repository_arns: tuple[str, ...]
    values: JenkinsValuesProps
    secrets: tuple[PlatformSecret, ...]
    secrets_refresh_minutes: int = 60
    promote_repository_arns: tuple[str, ...] = ()
    depends_on: Sequence[ITerraformDependable] = ()

    def __post_init__(self) -> None:
        for secret in self.secrets:
            if secret.namespace != self.namespace:
                raise ValueError(
                    f"JenkinsAddonProps.secrets: {secret.secret} is for namespace "
                    f"{secret.namespace!r}, not Jenkins' {self.namespace!r}"
                )


class JenkinsAddon:
    """Namespace, the build pods' IRSA role (trusting exactly `AGENT_SERVICE_ACCOUNT` in the
    namespace) with push rights on `push_repository_arns` only, the ExternalSecrets of its
    Secrets (release `jenkins-secrets`), and the pinned chart after them.
    After `deploy`: `agent_role`, `secrets_release` and `release`."""

    def __init__(self, *, props: JenkinsAddonProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> HelmAddon:
        props = self.props
        self.agent_role = service_account_role(
            scope,
            "jenkins-agent-role",
            role_name=props.agent_role_name,
            oidc_issuer_url=props.oidc_issuer_url,
            namespace=props.namespace,
            service_account=AGENT_SERVICE_ACCOUNT,
            inline_policy=policy_json(agent_statements(props)),
        )
        namespace = pod_security_namespace(scope, props.namespace, enforce="baseline")
        self.secrets_release = synced_secrets(
            scope,
            "jenkins-secrets",
            namespace=props.namespace,
            secrets=props.secrets,
            refresh_interval_minutes=props.secrets_refresh_minutes,
            depends_on=(namespace,),
        )
        self.release = HelmAddon(
            scope,
            "jenkins",
            props=HelmAddonProps(
                chart=JENKINS_CHART,
                version=props.version,
                namespace=props.namespace,
                values=jenkins_values(props.values, agent_role_arn=self.agent_role.role_arn),
                depends_on=(namespace, self.secrets_release.release, *props.depends_on),
            ),
        )
        return self.release


def agent_statements(props: JenkinsAddonProps) -> list[dict[str, Any]]:
    """The build pods' IAM statements: log in to and push to the project's repositories when
    the environment builds; read the image repository when it is promoted."""
    statements: list[dict[str, Any]] = []
    if props.push_repository_arns:
        statements += [
            {
                "Sid": "EcrLogin",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "PushToProjectRepositories",
                "Effect": "Allow",
                "Action": list(ECR_PUSH_ACTIONS),
                "Resource": list(props.push_repository_arns),
            },
        ]
    if props.promote_repository_arns:
        statements.append(
            {
                "Sid": "KeepPromotedImages",
                "Effect": "Allow",
                "Action": list(ECR_PROMOTE_ACTIONS),
                "Resource": list(props.promote_repository_arns),
            }
        )
    return statements
