"""values.schema.json rejects bad values with a message that names the offending field."""

import re

import helm_python
import pytest


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"replicaCount": "two"}, "/replicaCount"),
        ({"replicaCount": 0}, "/replicaCount"),
        ({"replicaCount": 10**12}, "/replicaCount"),
        ({"autoscaling": {"maxReplicas": 5000}}, "/autoscaling/maxReplicas"),
        (
            {
                "ingress": {
                    "hosts": [
                        {"host": "Not A Host", "paths": [{"path": "/", "pathType": "Prefix"}]}
                    ]
                }
            },
            "/ingress/hosts/0/host",
        ),
        ({"image": {"tag": ""}}, "/image/tag"),
        ({"image": {"tag": "v1:2"}}, "/image/tag"),
        ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
        ({"resources": {"limits": {"memory": None}}}, "/resources/limits"),
        ({"resources": {"requests": {"cpu": "lots"}}}, "/resources/requests/cpu"),
        (
            {"migrations": {"resources": {"requests": {"memory": None}}}},
            "/migrations/resources/requests",
        ),
        ({"topologySpread": {"whenUnsatisfiable": "Never"}}, "/topologySpread/whenUnsatisfiable"),
        (
            {"autoscaling": {"targetCPUUtilizationPercentage": 150}},
            "/autoscaling/targetCPUUtilizationPercentage",
        ),
        ({"ingress": {"enabled": True, "hosts": []}}, "/ingress/hosts"),
        ({"secrets": {"existingSecret": ""}}, "/secrets/existingSecret"),
        ({"postgresql": {"image": {"tag": "latest"}}}, "/postgresql/image/tag"),
        ({"replicaCounts": 2}, "replicaCounts"),
    ],
)
def test_schema_rejects_bad_value_and_names_the_field(chart, values_for, overrides, field):
    with pytest.raises(helm_python.HelmValuesError) as raised:
        chart.validate_schema(values_for("default", overrides))
    assert field in str(raised.value)


@pytest.mark.parametrize(
    "secret_variable", ["DJANGO_SECRET_KEY", "DATABASE_URL", "POSTGRES_PASSWORD"]
)
def test_schema_refuses_secret_variables_as_plain_settings(chart, values_for, secret_variable):
    overrides = {"django": {"extraEnv": {secret_variable: "not-a-secret-anymore"}}}
    with pytest.raises(helm_python.HelmValuesError, match=secret_variable):
        chart.validate_schema(values_for("default", overrides))


def test_schema_accepts_every_environment(chart, values_for, environment):
    chart.validate_schema(values_for(environment))


def test_render_refuses_values_that_break_the_schema(render):
    with pytest.raises(helm_python.HelmValuesError, match="/replicaCount"):
        render("default", {"replicaCount": "two"})


@pytest.mark.parametrize(
    "overrides, message",
    [
        (
            {"image": {"tag": "latest"}},
            "image.tag 'latest' is refused: deploy an immutable tag",
        ),
        (
            {"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 3}},
            "autoscaling.minReplicas (5) is above autoscaling.maxReplicas (3)",
        ),
        (
            {"resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "512Mi"}}},
            "resources.requests.memory (1Gi) is above resources.limits.memory (512Mi)",
        ),
        (
            {"resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "500m"}}},
            "resources.requests.cpu (2) is above resources.limits.cpu (500m)",
        ),
        (
            {"migrations": {"resources": {"requests": {"memory": "2G"}}}},
            "migrations.resources.requests.memory (2G) is above",
        ),
    ],
)
def test_rules_across_values_fail_with_what_to_change(render, overrides, message):
    with pytest.raises(helm_python.HelmError, match=re.escape(message)):
        render("default", overrides)


def test_equal_quantities_in_other_units_pass(render):
    render(
        "default", {"resources": {"requests": {"memory": "512Mi"}, "limits": {"memory": "0.5Gi"}}}
    )
