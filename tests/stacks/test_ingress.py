"""What each environment exposes through the load balancer controller: which hosts, to whom,
with which certificate; the webhook (path, ranges, HMAC) and the polling fallback."""

from __future__ import annotations

import helm_python
import kubernetes_validate
import pytest
import yaml

from infra_config import load_config
from infra_config.secrets import WEBHOOK_SECRET_KEYS, platform_secrets
from infra_constructs import rules
from infra_constructs.alb import ANNOTATION
from infra_constructs.jenkins import WEBHOOK_CREDENTIALS_ID, WEBHOOK_PATH
from policy.render_chart import CHART_DIR, user_values
from synth_helpers import (
    SHIPPED_ENVIRONMENTS,
    helm_values,
    kubernetes_version,
    resources,
    synthesize_variant,
    variant_config,
)

CERTIFICATE = "${aws_acm_certificate_validation.ingress-certificate_validation_"
HOOKS_HOST = "hooks.prod.example.com"
BUILDING_PROD = {"gitops__promoted_from": None, "ingress__jenkins_webhook_host": HOOKS_HOST}
"""prod as a building environment with GitHub's webhook: no shipped config has one (dev has no
DNS zone for its host, and prod builds nothing: it is promoted from dev)."""


@pytest.fixture(scope="module")
def hooked(tmp_path_factory):
    return synthesize_variant("prod", tmp_path_factory.mktemp("hooked"), **BUILDING_PROD)


def platform(result) -> dict:
    return result.stacks["platform"]


def jenkins(result) -> dict:
    return helm_values(platform(result), "jenkins")["controller"]


def application_helm(result) -> dict:
    values = helm_values(platform(result), "django-app-application")
    [application] = values["applications"].values()
    return application["source"]["helm"]


def annotation(ingress: dict, name: str) -> str:
    return ingress["annotations"][ANNOTATION + name]


def test_dev_exposes_nothing_and_polls_git(dev):
    assert load_config("dev").ingress.hosts == []
    controller = jenkins(dev)
    assert "ingress" not in controller and "secondaryingress" not in controller
    assert "github-webhook" not in controller["JCasC"]["configScripts"]
    assert (
        "pollSCM { scmpoll_spec('H/5 * * * *') }"
        in (controller["JCasC"]["configScripts"]["pipeline-job"])
    )
    assert "ingress" not in helm_values(platform(dev), "argocd")["server"]
    assert "ingress" not in application_helm(dev)["valuesObject"]
    assert not resources(platform(dev), "aws_acm_certificate")
    assert not {"app_url", "jenkins_url", "argocd_url"} & set(platform(dev)["output"])


def test_prod_requests_one_certificate_for_every_host_validated_in_its_zone(prod):
    config = load_config("prod")
    [certificate] = resources(platform(prod), "aws_acm_certificate")
    assert [certificate["domain_name"], *certificate["subject_alternative_names"]] == (
        config.ingress.hosts
    )
    assert certificate["validation_method"] == "DNS"
    [record] = resources(platform(prod), "aws_route53_record")
    assert record["zone_id"] == "${data.aws_route53_zone.zone.zone_id}"
    assert "domain_validation_options" in record["for_each"]
    [zone] = platform(prod)["data"]["aws_route53_zone"].values()
    assert zone["name"] == config.dns.zone_name
    [validation] = resources(platform(prod), "aws_acm_certificate_validation")
    assert "fqdn" in str(validation["validation_record_fqdns"])


def test_a_given_certificate_is_used_and_none_is_requested(tmp_path):
    arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0b7e4f0c-1111-2222-3333-444455556666"
    result = synthesize_variant("prod", tmp_path, ingress__certificate_arn=arn)
    assert not resources(platform(result), "aws_acm_certificate")
    assert annotation(jenkins(result)["ingress"], "certificate-arn") == arn


def test_the_app_is_open_to_everyone_over_https_and_checked_on_its_readiness_path(prod):
    [ingress_values] = [application_helm(prod)["valuesObject"]["ingress"]]
    assert ingress_values["hosts"][0]["host"] == "app.prod.example.com"
    assert annotation(ingress_values, "inbound-cidrs") == "0.0.0.0/0"
    assert annotation(ingress_values, "ssl-redirect") == "443"
    assert annotation(ingress_values, "listen-ports") == '[{"HTTP": 80}, {"HTTPS": 443}]'
    assert annotation(ingress_values, "healthcheck-path") == "/readyz"
    assert annotation(ingress_values, "certificate-arn").startswith(CERTIFICATE)
    assert annotation(ingress_values, "group.name") == "djeks-prod-app"


def test_the_app_chart_renders_a_valid_ingress_with_hosts_and_csrf_origins(prod):
    """The Application's valuesObject on top of values-prod.yaml, rendered by Helm: the Ingress
    passes the Kubernetes schema and Django trusts exactly the public origin."""
    overrides = application_helm(prod)["valuesObject"]
    with helm_python.Chart.load(CHART_DIR) as chart:
        rendered = chart.render(
            values=user_values("prod", overrides), name="django-app", namespace="django-app"
        )
    objects = [
        doc
        for template, text in rendered.items()
        if template.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]
    [ingress] = [o for o in objects if o["kind"] == "Ingress"]
    kubernetes_validate.validate(ingress, kubernetes_version(), strict=True)
    assert ingress["spec"]["ingressClassName"] == "alb"
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "app.prod.example.com"
    assert rule["http"]["paths"][0]["backend"]["service"]["port"] == {"name": "http"}
    [config_map] = [o for o in objects if o["kind"] == "ConfigMap"]
    assert config_map["data"]["DJANGO_CSRF_TRUSTED_ORIGINS"] == "https://app.prod.example.com"
    assert "app.prod.example.com" in config_map["data"]["DJANGO_ALLOWED_HOSTS"].split(",")


def test_the_jenkins_and_argocd_uis_share_one_alb_open_to_the_allowed_cidrs_only(prod):
    allowed = ",".join(load_config("prod").ingress.allowed_cidrs)
    ui = jenkins(prod)["ingress"]
    argocd = helm_values(platform(prod), "argocd")["server"]["ingress"]
    for ingress in (ui, argocd):
        assert annotation(ingress, "inbound-cidrs") == allowed
        assert annotation(ingress, "group.name") == "djeks-prod-tools"
    assert jenkins(prod)["jenkinsUrl"] == "https://jenkins.prod.example.com/"
    assert (argocd["controller"], argocd["hostname"]) == ("aws", "argocd.prod.example.com")
    assert annotation(argocd, "backend-protocol") == "HTTPS"
    assert argocd["aws"] == {"serviceType": "ClusterIP", "backendProtocolVersion": "GRPC"}
    assert ANNOTATION + "healthcheck-path" not in argocd["annotations"]


def test_github_reaches_only_the_webhook_path_on_its_own_alb(hooked):
    hooks = jenkins(hooked)["secondaryingress"]
    assert (hooks["paths"], hooks["pathType"]) == ([WEBHOOK_PATH], "Exact")
    assert annotation(hooks, "inbound-cidrs") == ",".join(rules.GITHUB_HOOK_CIDRS)
    assert annotation(hooks, "group.name") == "djeks-prod-webhook"
    # No other Ingress is open to GitHub's ranges, and the webhook ALB is in no other group.
    ui = jenkins(hooked)["ingress"]
    assert annotation(ui, "group.name") != annotation(hooks, "group.name")
    assert set(rules.GITHUB_HOOK_CIDRS).isdisjoint(annotation(ui, "inbound-cidrs").split(","))


def test_every_webhook_delivery_is_checked_against_the_hmac_secret(hooked):
    controller = jenkins(hooked)
    scripts = controller["JCasC"]["configScripts"]
    github = yaml.safe_load(scripts["github-webhook"])["unclassified"]["gitHubPluginConfig"]
    assert github["hookUrl"] == f"https://{HOOKS_HOST}{WEBHOOK_PATH}"
    assert github["hookSecretConfigs"] == [{"credentialsId": WEBHOOK_CREDENTIALS_ID}]
    credentials = yaml.safe_load(scripts["git-credentials"])["credentials"]["system"][
        "domainCredentials"
    ][0]["credentials"]
    [secret_text] = [c["string"] for c in credentials if "string" in c]
    assert secret_text["id"] == WEBHOOK_CREDENTIALS_ID
    assert secret_text["secret"] == "$${jenkins-webhook-secret}"  # read from the mounted Secret
    assert {"name": "jenkins-webhook", "keyName": WEBHOOK_SECRET_KEYS[0]} in controller[
        "additionalExistingSecrets"
    ]
    secrets = platform_secrets(variant_config("prod", **BUILDING_PROD))
    [webhook_secret] = [s for s in secrets if s.secret == "jenkins-webhook"]
    synced = helm_values(platform(hooked), "jenkins-secrets")["externalSecrets"]
    assert webhook_secret.aws_name in {item["awsName"] for item in synced}


def test_with_a_webhook_jenkins_does_not_poll_unless_told_to(hooked, tmp_path):
    assert "pollSCM" not in jenkins(hooked)["JCasC"]["configScripts"]["pipeline-job"]
    both = synthesize_variant(
        "prod", tmp_path, platform__jenkins__scm_polling=True, **BUILDING_PROD
    )
    assert (
        "pollSCM { scmpoll_spec('H/5 * * * *') }"
        in (jenkins(both)["JCasC"]["configScripts"]["pipeline-job"])
    )


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_each_host_has_its_url_as_an_output(synth, environment):
    config = load_config(environment).ingress
    outputs = platform(synth(environment))["output"]
    expected = {
        "app_url": config.app_host,
        "jenkins_url": config.jenkins_host,
        "argocd_url": config.argocd_host,
    }
    for name, host in expected.items():
        assert (outputs[name]["value"] if host else None) == (f"https://{host}/" if host else None)
    if config.jenkins_webhook_host:
        assert outputs["github_webhook_url"]["value"] == (
            f"https://{config.jenkins_webhook_host}{WEBHOOK_PATH}"
        )
