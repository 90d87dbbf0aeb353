"""The platform stack: providers from the cluster by name, namespaces, Jenkins, Argo CD, the
Application, and the Jenkins agent's IRSA role."""

from __future__ import annotations

import json

import pytest
import yaml

from infra_config import load_config
from infra_constructs.chart_values import deep_merge
from infra_constructs.helm_addon import HelmAddonProps, HelmChart
from synth_helpers import helm_values, only_resource, resources, synthesize_variant


def platform(result) -> dict:
    return result.stacks["platform"]


def releases(stack: dict) -> dict[str, dict]:
    return {r["name"]: r for r in resources(stack, "helm_release")}


def test_the_releases_at_the_pinned_versions_from_their_repositories(dev):
    found = {
        name: (r["chart"], r["version"], r.get("repository"), r["namespace"])
        for name, r in releases(platform(dev)).items()
    }
    assert found == {
        "jenkins-secrets": ("../../../helm/aws-secrets", "0.1.0", None, "jenkins"),
        "jenkins": ("jenkins", "5.9.53", "https://charts.jenkins.io", "jenkins"),
        "argocd": ("argo-cd", "10.1.1", "https://argoproj.github.io/argo-helm", "argocd"),
        "django-app-secrets": ("../../../helm/aws-secrets", "0.1.0", None, "django-app"),
        "django-app-application": (
            "argocd-apps",
            "2.0.5",
            "https://argoproj.github.io/argo-helm",
            "argocd",
        ),
    }


def test_releases_are_atomic_and_wait(dev):
    for release in releases(platform(dev)).values():
        assert release["atomic"] is True and release["wait"] is True


def test_providers_use_the_cluster_looked_up_by_name_and_exec_auth(dev):
    stack = platform(dev)
    cluster = stack["data"]["aws_eks_cluster"]["cluster"]
    assert cluster["name"] == "djeks-dev"
    assert "terraform_remote_state" not in stack.get("data", {})
    [kubernetes] = stack["provider"]["kubernetes"]
    [helm] = stack["provider"]["helm"]
    for connection, exec_config in (
        (kubernetes, kubernetes["exec"][0]),
        (helm["kubernetes"], helm["kubernetes"]["exec"]),
    ):
        assert connection["host"] == "${data.aws_eks_cluster.cluster.endpoint}"
        assert connection["cluster_ca_certificate"] == (
            "${base64decode(data.aws_eks_cluster.cluster.certificate_authority[0].data)}"
        )
        assert exec_config["command"] == "aws"
        assert exec_config["args"][:2] == ["eks", "get-token"]
        assert "token" not in connection


def test_platform_depends_on_cluster_addons_database_and_registry(dev):
    assert sorted(dev.manifest["stacks"]["platform"]["dependencies"]) == [
        "addons",
        "backend",
        "cluster",
        "database",
        "registry",
    ]


def test_namespaces_are_labelled_for_pod_security(dev):
    labels = {
        ns["metadata"]["name"]: ns["metadata"]["labels"]
        for ns in resources(platform(dev), "kubernetes_namespace_v1")
    }
    assert set(labels) == {"jenkins", "argocd", "django-app"}
    assert labels["django-app"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for name in ("jenkins", "argocd"):  # Kaniko runs as root; Argo CD's redis needs baseline
        assert labels[name]["pod-security.kubernetes.io/enforce"] == "baseline"
    for namespace_labels in labels.values():
        assert namespace_labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert namespace_labels["pod-security.kubernetes.io/audit"] == "restricted"


def test_default_storage_class_is_encrypted_gp3(dev):
    storage_class = only_resource(platform(dev), "kubernetes_storage_class_v1")
    assert storage_class["metadata"]["annotations"] == {
        "storageclass.kubernetes.io/is-default-class": "true"
    }
    assert storage_class["storage_provisioner"] == "ebs.csi.aws.com"
    assert storage_class["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert storage_class["volume_binding_mode"] == "WaitForFirstConsumer"


def test_jenkins_admin_comes_from_an_existing_secret_and_plugins_are_pinned(dev):
    controller = helm_values(platform(dev), "jenkins")["controller"]
    assert controller["admin"] == {
        "existingSecret": "jenkins-admin",
        "userKey": "jenkins-admin-user",
        "passwordKey": "jenkins-admin-password",
    }
    assert controller["installLatestPlugins"] is False
    assert all(
        ":" in plugin and not plugin.endswith(":latest") for plugin in controller["installPlugins"]
    )
    assert {p.split(":")[0] for p in controller["installPlugins"]} >= {
        "kubernetes",
        "configuration-as-code",
        "job-dsl",
        "github",
        "git",
    }


def jcasc(result, script: str) -> dict:
    scripts = helm_values(platform(result), "jenkins")["controller"]["JCasC"]["configScripts"]
    return yaml.safe_load(scripts[script])


def test_pipeline_job_follows_config_and_is_triggered_by_github(dev):
    [job] = jcasc(dev, "pipeline-job")["jobs"]
    dsl = job["script"]
    assert dsl.startswith("pipelineJob('django-app') {")
    assert "url('https://github.com/example-org/django-eks-platform.git')" in dsl
    assert "branch('*/main')" in dsl
    assert "scriptPath('Jenkinsfile')" in dsl
    assert "githubPush()" in dsl
    assert "credentials('git-credentials')" in dsl
    # Queued once when JCasC creates it: the first build needs no person.
    assert dsl.endswith("\nqueue('django-app')")


def test_git_credential_is_read_from_a_secret_created_outside_git(dev):
    [domain] = jcasc(dev, "git-credentials")["credentials"]["system"]["domainCredentials"]
    [credential] = domain["credentials"]
    login = credential["usernamePassword"]
    # Terraform's escape ($${) keeps JCasC's own ${secret-key} placeholder in the values.
    assert login["username"] == "$${git-credentials-username}"
    assert login["password"] == "$${git-credentials-password}"
    secrets = helm_values(platform(dev), "jenkins")["controller"]["additionalExistingSecrets"]
    assert secrets == [
        {"name": "git-credentials", "keyName": "username"},
        {"name": "git-credentials", "keyName": "password"},
    ]


def test_pipeline_environment_names_the_registry_and_bot(dev):
    [properties] = jcasc(dev, "pipeline-environment")["jenkins"]["globalNodeProperties"]
    env = {item["key"]: item["value"] for item in properties["envVars"]["env"]}
    assert env["ECR_REGISTRY"] == (
        "${data.aws_caller_identity.account.account_id}.dkr.ecr.eu-west-1.amazonaws.com"
    )
    assert env["ECR_REPOSITORY"] == "djeks/django-app"
    assert env["ECR_CACHE_REPOSITORY"] == "djeks/django-app/cache"
    assert env["GIT_CREDENTIALS_ID"] == "git-credentials"
    assert set(env) >= {"GIT_BOT_NAME", "GIT_BOT_EMAIL", "GITOPS_BRANCH"}


def pipeline_environment(result) -> dict[str, str]:
    [properties] = jcasc(result, "pipeline-environment")["jenkins"]["globalNodeProperties"]
    return {item["key"]: item["value"] for item in properties["envVars"]["env"]}


def test_each_environment_bumps_or_promotes_its_own_values_file(dev, prod):
    building, promoted = pipeline_environment(dev), pipeline_environment(prod)
    assert building["VALUES_FILE"] == "helm/django-app/values-dev.yaml"
    assert promoted["VALUES_FILE"] == "helm/django-app/values-prod.yaml"
    assert (building["DEPLOY_ENVIRONMENT"], promoted["DEPLOY_ENVIRONMENT"]) == ("dev", "prod")
    assert "PROMOTED_FROM" not in building
    assert promoted["PROMOTED_FROM"] == "dev"
    # The Argo CD Application's own values file is the one the pipeline writes.
    for result, environment in ((dev, building), (prod, promoted)):
        app = helm_values(platform(result), "django-app-application")["applications"]
        value_files = app["django-app"]["source"]["helm"]["valueFiles"]
        assert f"{environment['CHART_PATH']}/{value_files[1]}" == environment["VALUES_FILE"]


def test_the_promoted_environment_builds_nothing_and_is_started_by_hand(prod):
    [job] = jcasc(prod, "pipeline-job")["jobs"]
    assert "pipelineTriggers" not in job["script"]
    assert "queue(" not in job["script"], "a build of prod's job promotes: never on its own"
    assert "githubPush" not in job["script"] and "pollSCM" not in job["script"]
    assert "Promotes the image that runs healthy in dev to prod" in job["script"]
    assert "ECR_CACHE_REPOSITORY" not in pipeline_environment(prod)
    _, _, policy = agent_role(platform(prod))
    [read] = policy["Statement"]
    assert read == {
        "Sid": "KeepPromotedImages",
        "Effect": "Allow",
        "Action": ["ecr:BatchGetImage", "ecr:PutImage"],
        "Resource": ["${data.aws_ecr_repository.repository.arn}"],
    }


def test_the_build_pods_may_only_read_the_application(dev):
    stack = platform(dev)
    role = only_resource(stack, "kubernetes_role_v1")
    assert role["metadata"] == {"name": "django-app-watcher", "namespace": "argocd"}
    assert role["rule"] == [
        {
            "api_groups": ["argoproj.io"],
            "resources": ["applications"],
            "resource_names": ["django-app"],
            "verbs": ["get"],
        }
    ]
    binding = only_resource(stack, "kubernetes_role_binding_v1")
    assert binding["role_ref"] == {
        "api_group": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "django-app-watcher",
    }
    assert binding["subject"] == [
        {"kind": "ServiceAccount", "name": "jenkins-agent", "namespace": "jenkins"}
    ]
    # Argo CD's namespace (and the Application's CRD) exist first.
    assert any(d.startswith("helm_release.argocd_release_") for d in role["depends_on"])


def test_the_build_description_links_the_application(dev, prod):
    assert pipeline_environment(dev)["ARGOCD_APPLICATION_URL"] == (
        "https://localhost:8443/applications/argocd/django-app"
    )
    assert pipeline_environment(prod)["ARGOCD_APPLICATION_URL"] == (
        "https://argocd.prod.example.com/applications/argocd/django-app"
    )


def test_kaniko_pod_template_is_the_file_the_jenkinsfile_uses(dev):
    from synth_helpers import REPO_ROOT

    agents = helm_values(platform(dev), "jenkins")["additionalAgents"]
    template = agents["kaniko"]
    assert template["customJenkinsLabels"] == ["kaniko"]
    assert template["yamlTemplate"] == (REPO_ROOT / "jenkins" / "agent-pod.yaml").read_text()
    pod = yaml.safe_load(template["yamlTemplate"])
    assert pod["spec"]["serviceAccountName"] == "jenkins-agent"
    assert {c["name"] for c in pod["spec"]["containers"]} >= {"kaniko", "python"}


def test_jenkins_persists_on_gp3(dev):
    persistence = helm_values(platform(dev), "jenkins")["persistence"]
    assert persistence == {"enabled": True, "storageClass": "gp3", "size": "20Gi"}


def agent_role(stack: dict) -> tuple[dict, dict, dict]:
    """(role, its trust statement, its permission policy) of the Jenkins agent."""
    role = only_resource(stack, "aws_iam_role")
    document_key = role["assume_role_policy"].split(".")[2]
    [trust] = stack["data"]["aws_iam_policy_document"][document_key]["statement"]
    policy = json.loads(only_resource(stack, "aws_iam_role_policy")["policy"])
    return role, trust, policy


def test_agent_role_trusts_exactly_the_agent_service_account(dev):
    stack = platform(dev)
    _, trust, _ = agent_role(stack)
    subjects = [c["values"] for c in trust["condition"] if c["variable"].endswith(":sub")]
    audiences = [c["values"] for c in trust["condition"] if c["variable"].endswith(":aud")]
    assert subjects == [["system:serviceaccount:jenkins:jenkins-agent"]]
    assert audiences == [["sts.amazonaws.com"]]
    assert all(c["test"] == "StringEquals" for c in trust["condition"])
    annotations = helm_values(stack, "jenkins")["serviceAccountAgent"]["annotations"]
    assert annotations["eks.amazonaws.com/role-arn"].startswith("${aws_iam_role.")


def test_agent_role_may_push_only_to_the_project_repositories(dev):
    stack = platform(dev)
    _, _, policy = agent_role(stack)
    login, push = policy["Statement"]
    assert login == {
        "Sid": "EcrLogin",
        "Effect": "Allow",
        "Action": "ecr:GetAuthorizationToken",
        "Resource": "*",
    }
    assert push["Resource"] == [
        "${data.aws_ecr_repository.repository.arn}",
        "${data.aws_ecr_repository.cache-repository.arn}",
    ]
    repositories = stack["data"]["aws_ecr_repository"]
    assert {r["name"] for r in repositories.values()} == {
        "djeks/django-app",
        "djeks/django-app/cache",
    }
    assert all(action.startswith("ecr:") and "Delete" not in action for action in push["Action"])


def test_application_follows_git_with_both_values_files_and_heals(prod):
    stack = platform(prod)
    app = helm_values(stack, "django-app-application")["applications"]["django-app"]
    assert app["source"]["repoURL"] == "https://github.com/example-org/django-eks-platform.git"
    assert app["source"]["targetRevision"] == "main"
    assert app["source"]["path"] == "helm/django-app"
    assert app["source"]["helm"]["valueFiles"] == ["values.yaml", "values-prod.yaml"]
    assert app["source"]["helm"]["parameters"] == [
        {
            "name": "image.repository",
            "value": "${data.aws_ecr_repository.repository.repository_url}",
        }
    ]
    assert app["destination"] == {
        "server": "https://kubernetes.default.svc",
        "namespace": "django-app",
    }
    assert app["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert app["syncPolicy"]["syncOptions"] == ["CreateNamespace=true"]
    assert app["syncPolicy"]["retry"]["backoff"]["factor"] == 2
    assert app["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]


def test_application_waits_for_argocd(dev):
    release = releases(platform(dev))["django-app-application"]
    assert any(dep.startswith("helm_release.argocd_release_") for dep in release["depends_on"])


def test_argocd_is_reached_by_port_forward_by_default(dev):
    values = helm_values(platform(dev), "argocd")
    assert values["server"] == {"service": {"type": "ClusterIP"}}
    assert values["configs"]["cm"]["admin.enabled"] is True


def test_argocd_notices_a_push_within_30_seconds_without_a_write_by_the_pipeline(dev):
    cm = helm_values(platform(dev), "argocd")["configs"]["cm"]
    assert cm["timeout.reconciliation"] == "30s"
    assert cm["timeout.reconciliation.jitter"] == "0s"


def test_deep_merge_merges_mappings_and_replaces_the_rest():
    base = {"a": {"b": 1, "c": [1]}, "d": 1}
    assert deep_merge(base, {"a": {"c": [2], "e": 3}, "d": {"x": 1}}) == {
        "a": {"b": 1, "c": [2], "e": 3},
        "d": {"x": 1},
    }
    assert base == {"a": {"b": 1, "c": [1]}, "d": 1}


def test_addon_refuses_a_version_range():
    with pytest.raises(
        ValueError, match=r"HelmAddonProps.version: '\^5.0.0' is not allowed: use an exact"
    ):
        HelmAddonProps(
            chart=HelmChart("jenkins", "https://charts.jenkins.io"),
            version="^5.0.0",
            namespace="jenkins",
        )


def test_a_private_repository_gets_argocd_credentials_from_the_git_token(tmp_path):
    """The repository Secret Argo CD finds by its label, synced from the Git token's secret
    in AWS, before Argo CD's release; the store admits Argo CD's namespace."""
    result = synthesize_variant("dev", tmp_path, platform__argocd__repository_credentials=True)
    stack = platform(result)
    [entry] = helm_values(stack, "argocd-secrets")["externalSecrets"]
    assert entry == {
        "secretName": "repo-django-app",
        "namespace": "argocd",
        "awsName": "djeks/dev/git-credentials",
        "keys": ["username", "password"],
        "secretLabels": {"argocd.argoproj.io/secret-type": "repository"},
        "literals": {"type": "git", "url": load_config("dev").gitops.repo_url},
    }
    argocd = releases(stack)["argocd"]
    assert any("argocd-secrets" in dependency for dependency in argocd["depends_on"])
    store = helm_values(result.stacks["addons"], "secret-store")["clusterSecretStore"]
    assert "argocd" in store["namespaces"]


def test_a_public_repository_needs_no_argocd_credentials(dev):
    assert "argocd-secrets" not in releases(platform(dev))
