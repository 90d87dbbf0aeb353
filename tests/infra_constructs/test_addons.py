"""Each add-on construct alone: its namespace, its identity, its release and what it waits for."""

from __future__ import annotations

import json

import pytest
import yaml

from infra_config.secrets import GIT_CREDENTIALS_KEYS, JENKINS_ADMIN_KEYS, PlatformSecret
from infra_constructs.addon import pod_security_namespace
from infra_constructs.argocd import (
    ApplicationProps,
    ArgoCdAddon,
    ArgoCdAddonProps,
    ArgoCdApplication,
    ArgoCdApplicationProps,
)
from infra_constructs.jenkins import (
    AGENT_SERVICE_ACCOUNT,
    ECR_PUSH_ACTIONS,
    JenkinsAddon,
    JenkinsAddonProps,
    JenkinsValuesProps,
)
from infra_constructs.storage_class import DefaultStorageClass, DefaultStorageClassProps
from synth_helpers import only_resource, resources, synth_construct

ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
REPOSITORIES = (
    "arn:aws:ecr:eu-west-1:123456789012:repository/app",
    "arn:aws:ecr:eu-west-1:123456789012:repository/app/cache",
)
APPLICATION = ApplicationProps(
    name="shop",
    argocd_namespace="gitops",
    repo_url="https://github.com/example/shop.git",
    target_revision="main",
    chart_path="helm/shop",
    environment="dev",
    destination_namespace="shop",
    image_repository="123456789012.dkr.ecr.eu-west-1.amazonaws.com/app",
)

JENKINS_VALUES = {
    "ecr_registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "ecr_repository": "app",
    "ecr_cache_repository": "app/cache",
    "repo_url": "https://github.com/example/shop.git",
    "branch": "main",
    "jenkinsfile_path": "Jenkinsfile",
    "job_name": "shop",
    "admin_secret": "jenkins-admin",
    "git_credentials_secret": "jenkins-git",
    "bot_name": "bot",
    "bot_email": "bot@example.com",
    "plugins": ("git:5.7.0",),
    "storage_class": "gp3",
    "storage_size_gib": 8,
    "agent_pod_yaml": "apiVersion: v1\nkind: Pod\n",
    "environment": "dev",
    "chart_path": "helm/shop",
    "values_file": "helm/shop/values-dev.yaml",
    "argocd_namespace": "argocd",
    "application": "shop",
    "application_url": "https://localhost:8443/applications/argocd/shop",
}


def synth(build) -> dict:
    return json.loads(synth_construct(build))


def jenkins_addon(**overrides) -> JenkinsAddon:
    values = JenkinsValuesProps(**JENKINS_VALUES)
    props = {
        "version": "5.8.0",
        "namespace": "ci",
        "agent_role_name": "shop-dev-jenkins-agent",
        "oidc_issuer_url": ISSUER,
        "push_repository_arns": REPOSITORIES,
        "values": values,
        "secrets": JENKINS_SECRETS,
        **overrides,
    }
    return JenkinsAddon(props=JenkinsAddonProps(**props))


JENKINS_SECRETS = (
    PlatformSecret("shop/dev/jenkins-admin", "ci", "jenkins-admin", JENKINS_ADMIN_KEYS, "login"),
    PlatformSecret("shop/dev/jenkins-git", "ci", "jenkins-git", GIT_CREDENTIALS_KEYS, "token"),
)


def jenkins_release(stack: dict) -> dict:
    [release] = [r for r in resources(stack, "helm_release") if r["name"] == "jenkins"]
    return release


def labels(stack: dict, name: str) -> dict:
    return stack["resource"]["kubernetes_namespace_v1"][f"namespace-{name}"]["metadata"]["labels"]


@pytest.mark.parametrize("level", ["baseline", "restricted"])
def test_namespace_enforces_its_level_and_warns_and_audits_restricted(level):
    stack = synth(lambda scope: pod_security_namespace(scope, "team", enforce=level))
    assert labels(stack, "team") == {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }


def test_jenkins_owns_its_namespace_role_and_release():
    stack = synth(lambda scope: jenkins_addon().deploy(scope))
    assert labels(stack, "ci")["pod-security.kubernetes.io/enforce"] == "baseline"
    assert only_resource(stack, "aws_iam_role")["name"] == "shop-dev-jenkins-agent"
    [oidc] = stack["data"]["aws_iam_openid_connect_provider"].values()
    assert oidc["url"] == ISSUER
    trust = [
        document
        for document in stack["data"]["aws_iam_policy_document"].values()
        if document["statement"][0]["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    ]
    [subject] = [c for c in trust[0]["statement"][0]["condition"] if c["variable"].endswith(":sub")]
    assert subject["values"] == [f"system:serviceaccount:ci:{AGENT_SERVICE_ACCOUNT}"]
    release = jenkins_release(stack)
    assert (release["chart"], release["version"], release["namespace"]) == (
        "jenkins",
        "5.8.0",
        "ci",
    )
    assert "kubernetes_namespace_v1.namespace-ci" in release["depends_on"]


def test_jenkins_secrets_are_synced_before_the_release():
    stack = synth(lambda scope: jenkins_addon().deploy(scope))
    [secrets] = [r for r in resources(stack, "helm_release") if r["name"] == "jenkins-secrets"]
    [secrets_key] = [key for key, r in stack["resource"]["helm_release"].items() if r is secrets]
    assert f"helm_release.{secrets_key}" in jenkins_release(stack)["depends_on"]
    assert secrets["depends_on"] == ["kubernetes_namespace_v1.namespace-ci"]
    values = yaml.safe_load(secrets["values"][0])
    assert [
        (e["secretName"], e["namespace"], e["awsName"], e["keys"])
        for e in values["externalSecrets"]
    ] == [
        ("jenkins-admin", "ci", "shop/dev/jenkins-admin", list(JENKINS_ADMIN_KEYS)),
        ("jenkins-git", "ci", "shop/dev/jenkins-git", list(GIT_CREDENTIALS_KEYS)),
    ]


def test_a_secret_for_another_namespace_is_refused():
    stray = PlatformSecret("shop/dev/x", "elsewhere", "x", ("k",), "stray")
    with pytest.raises(ValueError, match="x is for namespace 'elsewhere', not Jenkins' 'ci'"):
        jenkins_addon(secrets=(stray,))


def test_jenkins_may_push_to_the_given_repositories_only():
    stack = synth(lambda scope: jenkins_addon().deploy(scope))
    policy = json.loads(only_resource(stack, "aws_iam_role_policy")["policy"])
    by_sid = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert by_sid["PushToProjectRepositories"]["Resource"] == list(REPOSITORIES)
    assert by_sid["PushToProjectRepositories"]["Action"] == list(ECR_PUSH_ACTIONS)
    assert by_sid["EcrLogin"]["Action"] == "ecr:GetAuthorizationToken"


def test_jenkins_release_waits_for_what_it_is_given():
    def build(scope):
        storage_class = DefaultStorageClass(props=DefaultStorageClassProps(name="gp3")).deploy(
            scope
        )
        jenkins_addon(depends_on=(storage_class,)).deploy(scope)

    stack = synth(build)
    release = jenkins_release(stack)
    assert "kubernetes_storage_class_v1.gp3" in release["depends_on"]
    storage = only_resource(stack, "kubernetes_storage_class_v1")
    assert storage["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert storage["volume_binding_mode"] == "WaitForFirstConsumer"


def test_jenkins_agent_service_account_carries_the_role():
    stack = synth(lambda scope: jenkins_addon().deploy(scope))
    values = yaml.safe_load(jenkins_release(stack)["values"][0])
    annotations = values["serviceAccountAgent"]["annotations"]
    [role_key] = stack["resource"]["aws_iam_role"]
    assert annotations["eks.amazonaws.com/role-arn"] == f"${{aws_iam_role.{role_key}.arn}}"


def test_argocd_owns_its_namespace_and_release_named_for_its_services():
    stack = synth(
        lambda scope: ArgoCdAddon(
            props=ArgoCdAddonProps(version="7.7.0", namespace="gitops")
        ).deploy(scope)
    )
    assert labels(stack, "gitops")["pod-security.kubernetes.io/enforce"] == "baseline"
    release = only_resource(stack, "helm_release")
    assert (release["name"], release["chart"], release["namespace"]) == (
        "argocd",
        "argo-cd",
        "gitops",
    )


def test_application_creates_a_restricted_destination_and_waits_for_argocd():
    def build(scope):
        argocd = ArgoCdAddon(props=ArgoCdAddonProps(version="7.7.0", namespace="gitops"))
        argocd.deploy(scope)
        ArgoCdApplication(
            props=ArgoCdApplicationProps(
                version="2.0.0", application=APPLICATION, depends_on=(argocd.release.release,)
            )
        ).deploy(scope)

    stack = synth(build)
    assert labels(stack, "shop")["pod-security.kubernetes.io/enforce"] == "restricted"
    [application] = [r for r in resources(stack, "helm_release") if r["chart"] == "argocd-apps"]
    assert application["name"] == "shop-application"
    assert application["namespace"] == "gitops"
    assert "kubernetes_namespace_v1.namespace-shop" in application["depends_on"]
    assert any(d.startswith("helm_release.argocd_release") for d in application["depends_on"])
    assert any(key.startswith("application_release") for key in stack["resource"]["helm_release"])


def test_application_keeps_the_construct_id_it_was_deployed_with():
    stack = synth(
        lambda scope: ArgoCdApplication(
            props=ArgoCdApplicationProps(
                version="2.0.0", application=APPLICATION, construct_id="django-application"
            )
        ).deploy(scope)
    )
    [key] = stack["resource"]["helm_release"]
    assert key.startswith("django-application_release")
