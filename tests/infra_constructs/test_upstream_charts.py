"""The platform's chart values against the upstream charts: every key we set exists there,
and the Argo CD objects validate against the Argo CD CRDs.

The upstream files are read from $UPSTREAM_CHART_DATA (default ../shared/upstream beside the
repository); without them these tests skip and say so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest
import yaml

from infra_config import load_config
from infra_config.secrets import platform_secrets
from infra_constructs.load_balancer_controller_policy import load_balancer_controller_statements
from synth_helpers import REPO_ROOT, SHIPPED_ENVIRONMENTS, helm_values, synthesize_variant
from upstream_helpers import crd_schema, upstream_file

# (stack, helm release name) -> upstream values file: the chart versions are those pinned in
# config. Releases of this repository's own charts (no repository) are checked by their schema.
RELEASE_VALUES = {
    ("platform", "jenkins"): "jenkins-5.9.53.values.yaml",
    ("platform", "argocd"): "argo-cd-10.1.1.values.yaml",
    ("platform", "django-app-application"): "argocd-apps-2.0.5.values.yaml",
    ("addons", "external-secrets"): "external-secrets-2.9.0.values.yaml",
    ("addons", "metrics-server"): "metrics-server-3.13.1.values.yaml",
    ("addons", "aws-load-balancer-controller"): "aws-load-balancer-controller-3.5.0.values.yaml",
    ("addons", "cluster-autoscaler"): "cluster-autoscaler-9.59.0.values.yaml",
    ("addons", "external-dns"): "external-dns-1.21.1.values.yaml",
}


@pytest.fixture(scope="module")
def every_addon(tmp_path_factory):
    """`every_addon(env)`: the environment with a DNS zone set, so that every optional add-on
    (external-dns) is in its JSON too."""
    cache = {}

    def get(environment: str):
        if environment not in cache:
            cache[environment] = synthesize_variant(
                environment,
                tmp_path_factory.mktemp(f"{environment}-zone"),
                dns__zone_name=f"{environment}.example.com",
            )
        return cache[environment]

    return get


def undeclared_keys(ours: dict, upstream: dict, path: str = "") -> Iterator[str]:
    """Keys of `ours` that `upstream` does not declare, descending only where upstream
    declares structure (a non-empty mapping); empty or scalar upstream values are free-form."""
    for key, value in ours.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in upstream:
            yield where
        elif isinstance(value, dict) and isinstance(upstream[key], dict) and upstream[key]:
            yield from undeclared_keys(value, upstream[key], where)


def test_pinned_chart_versions_match_the_upstream_files(every_addon):
    found = {
        (stack_name, release["name"]): f"{release['chart']}-{release['version']}.values.yaml"
        for stack_name, stack in every_addon("dev").stacks.items()
        for release in stack.get("resource", {}).get("helm_release", {}).values()
        if release.get("repository")
    }
    assert found == RELEASE_VALUES


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
@pytest.mark.parametrize(("stack", "release"), sorted(RELEASE_VALUES))
def test_every_values_key_exists_upstream(every_addon, environment, stack, release):
    upstream = yaml.safe_load(upstream_file(RELEASE_VALUES[stack, release]).read_text())
    ours = helm_values(every_addon(environment).stacks[stack], release)
    assert list(undeclared_keys(ours, upstream)) == []


def test_the_key_check_catches_a_misspelt_key():
    upstream = {"controller": {"admin": {"existingSecret": ""}, "JCasC": {"configScripts": {}}}}
    ours = {
        "controller": {
            "admin": {"existingSecrets": "x"},
            "JCasC": {"configScripts": {"anything": "free-form"}},
        }
    }
    assert list(undeclared_keys(ours, upstream)) == ["controller.admin.existingSecrets"]


def test_the_load_balancer_controllers_policy_is_upstreams():
    upstream = json.loads(
        upstream_file("aws-load-balancer-controller-3.5.0.iam-policy.json").read_text()
    )
    assert load_balancer_controller_statements("aws") == upstream["Statement"]


def test_the_load_balancer_controllers_policy_follows_the_partition():
    text = json.dumps(load_balancer_controller_statements("aws-cn"))
    assert "arn:aws:" not in text
    assert text.count("arn:aws-cn:") == json.dumps(
        load_balancer_controller_statements("aws")
    ).count("arn:aws:")


METADATA_KEYS = ("namespace", "additionalLabels", "additionalAnnotations", "finalizers")


def rendered_objects(values: dict, section: str, kind: str) -> list[dict]:
    """The objects argocd-apps renders from `values[section]`, as its templates do: the
    metadata keys go to metadata, everything else is the spec."""
    objects = []
    for name, item in values.get(section, {}).items():
        metadata = {"name": name, "namespace": item["namespace"]}
        if item.get("finalizers"):
            metadata["finalizers"] = item["finalizers"]
        spec = {key: value for key, value in item.items() if key not in METADATA_KEYS}
        objects.append(
            {"apiVersion": "argoproj.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec}
        )
    return objects


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
@pytest.mark.parametrize(
    ("section", "kind", "crd_file"),
    [
        ("applications", "Application", "argo-cd-10.1.1.crd-application.yaml"),
        ("projects", "AppProject", "argo-cd-10.1.1.crd-appproject.yaml"),
    ],
)
def test_argocd_objects_validate_against_the_crd(synth, environment, section, kind, crd_file):
    schema = crd_schema(crd_file)
    values = helm_values(synth(environment).stacks["platform"], "django-app-application")
    objects = rendered_objects(values, section, kind)
    assert len(objects) == 1
    for manifest in objects:
        jsonschema.validate(manifest, schema)


def test_the_crd_check_catches_a_misspelt_field():
    schema = crd_schema("argo-cd-10.1.1.crd-application.yaml")
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "x"},
        "spec": {
            "project": "p",
            "destination": {"namespace": "n"},
            "syncPolicy": {"automated": {"selfheal": True}},
        },
    }
    with pytest.raises(jsonschema.ValidationError, match="'selfheal' was unexpected"):
        jsonschema.validate(manifest, schema)


LOCAL_CHART_CRDS = {
    "ClusterSecretStore": "external-secrets-2.9.0.crd-clustersecretstore.yaml",
    "ExternalSecret": "external-secrets-2.9.0.crd-externalsecret.yaml",
}


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_the_secret_objects_validate_against_the_external_secrets_crds(synth, environment):
    """helm/aws-secrets rendered with the values each stack gives it: every object is an
    external-secrets.io/v1 kind the operator serves, valid with unknown fields refused."""
    stacks = synth(environment).stacks
    objects = [
        *render_aws_secrets(helm_values(stacks["addons"], "secret-store")),
        *render_aws_secrets(helm_values(stacks["platform"], "jenkins-secrets")),
        *render_aws_secrets(at_apply(helm_values(stacks["platform"], "django-app-secrets"))),
    ]
    kinds = sorted(manifest["kind"] for manifest in objects)
    synced = len(platform_secrets(load_config(environment))) + 1  # + the database's, from RDS
    assert kinds == ["ClusterSecretStore", *["ExternalSecret"] * synced]
    for manifest in objects:
        assert manifest["apiVersion"] == "external-secrets.io/v1"
        jsonschema.validate(manifest, crd_schema(LOCAL_CHART_CRDS[manifest["kind"]], "v1"))


def test_the_external_secrets_crd_check_catches_a_misspelt_field():
    manifest = {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "x", "namespace": "y"},
        "spec": {"secretStoreRef": {"name": "s", "kind": "ClusterSecretStore"}, "refresh": "1h"},
    }
    schema = crd_schema(LOCAL_CHART_CRDS["ExternalSecret"], "v1")
    with pytest.raises(jsonschema.ValidationError, match="'refresh' was unexpected"):
        jsonschema.validate(manifest, schema)


APPLY_TIME_VALUES = {
    "${data.aws_db_instance.database.master_user_secret[0].secret_arn}": (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0e4f6a2c-5d1b-4c3e-9a7f-"
        "2b8c1d3e4f5a-Xy12Ab"
    ),
    "${data.aws_db_instance.database.address}": (
        "djeks-dev-postgres.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com"
    ),
    "${data.aws_db_instance.database.port}": 5432,
}
"""What Terraform puts in place of the references the stacks' Helm values hold, as AWS returns
them (an RDS-managed secret's ARN, an instance's endpoint)."""


def at_apply(values):
    """`values` with every Terraform reference replaced by `APPLY_TIME_VALUES`; an unknown one
    fails the test."""
    if isinstance(values, dict):
        return {key: at_apply(value) for key, value in values.items()}
    if isinstance(values, list):
        return [at_apply(value) for value in values]
    if isinstance(values, str) and "${" in values:
        assert values in APPLY_TIME_VALUES, f"no apply-time value for {values}"
        return APPLY_TIME_VALUES[values]
    return values


def test_the_database_secret_builds_a_verified_tls_url_from_rds_own_secret(synth):
    values = at_apply(helm_values(synth("prod").stacks["platform"], "django-app-secrets"))
    [manifest] = [
        m for m in render_aws_secrets(values) if m["metadata"]["name"] == "django-app-database"
    ]
    spec = manifest["spec"]
    assert spec["refreshInterval"] == "1m"
    assert spec["data"] == [
        {
            "secretKey": key,
            "remoteRef": {"key": APPLY_TIME_VALUES[next(iter(APPLY_TIME_VALUES))], "property": key},
        }
        for key in ("username", "password")
    ]
    template = spec["target"]["template"]
    assert template["mergePolicy"] == "Replace", "the Secret holds the URL, not the parts"
    assert sorted(template["data"]) == ["DATABASE_URL", "ca.pem"]
    assert template["data"]["DATABASE_URL"] == (
        "postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@"
        "djeks-dev-postgres.c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com:5432/django"
    )
    assert "Amazon RDS eu-west-1 Root CA RSA2048 G1" in decoded_subjects(template["data"]["ca.pem"])
    jsonschema.validate(manifest, crd_schema(LOCAL_CHART_CRDS["ExternalSecret"], "v1"))


def decoded_subjects(bundle: str) -> str:
    from cryptography import x509

    return " | ".join(
        certificate.subject.rfc4514_string()
        for certificate in x509.load_pem_x509_certificates(bundle.encode())
    )


def render_aws_secrets(values: dict) -> list[dict]:
    import helm_python

    rendered = helm_python.Chart.load(str(REPO_ROOT / "helm" / "aws-secrets")).render(
        values=values, name="aws-secrets", namespace="external-secrets"
    )
    return [
        manifest for text in rendered.values() for manifest in yaml.safe_load_all(text) if manifest
    ]


def test_a_repository_secret_with_labels_and_literals_validates_against_the_crd(tmp_path):
    result = synthesize_variant("dev", tmp_path, platform__argocd__repository_credentials=True)
    [manifest] = render_aws_secrets(helm_values(result.stacks["platform"], "argocd-secrets"))
    assert manifest["spec"]["target"]["template"]["mergePolicy"] == "Merge"
    jsonschema.validate(manifest, crd_schema(LOCAL_CHART_CRDS["ExternalSecret"], "v1"))
