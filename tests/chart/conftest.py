"""Render helm/django-app with the real Helm engine (helm-python-sdk) for the chart tests."""

from pathlib import Path

import helm_python
import pytest
import yaml

CHART_DIR = Path(__file__).resolve().parents[2] / "helm" / "django-app"

RELEASE_NAME = "django-app"
NAMESPACE = "django"

TEST_IMAGE = {
    "repository": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/djeks/django-app",
    "tag": "0123abcd4567",
}

# Values files layered on values.yaml, as the Argo CD Application does for each environment.
ENVIRONMENT_VALUES_FILES = {
    "default": [],
    "dev": ["values-dev.yaml"],
    "prod": ["values-prod.yaml"],
}


def deep_merge(base, override):
    """Merge override into base the way Helm layers `-f` files: maps recursively, the rest replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def user_values(environment, overrides=None):
    """The values a deployment of `environment` passes to Helm, plus the test image and overrides."""
    values = {"image": dict(TEST_IMAGE)}
    for file_name in ENVIRONMENT_VALUES_FILES[environment]:
        values = deep_merge(values, yaml.safe_load((CHART_DIR / file_name).read_text()))
    return deep_merge(values, overrides or {})


@pytest.fixture(scope="session")
def image_values():
    """The image every test render deploys."""
    return dict(TEST_IMAGE)


@pytest.fixture(scope="session")
def chart_dir():
    return CHART_DIR


@pytest.fixture(scope="session")
def values_for():
    """values_for(environment, overrides) -> the user-supplied values of that environment."""
    return user_values


@pytest.fixture(scope="session")
def chart():
    with helm_python.Chart.load(CHART_DIR) as loaded:
        yield loaded


@pytest.fixture(scope="session")
def render(chart):
    """render(environment, overrides) -> every Kubernetes object the chart produces."""

    def _render(environment="default", overrides=None):
        files = chart.render(values=user_values(environment, overrides), name=RELEASE_NAME, namespace=NAMESPACE)
        return [
            document
            for template, text in sorted(files.items())
            if template.endswith(".yaml")
            for document in yaml.safe_load_all(text)
            if document
        ]

    return _render


@pytest.fixture(scope="session", params=sorted(ENVIRONMENT_VALUES_FILES))
def environment(request):
    return request.param


@pytest.fixture(scope="session")
def manifests(render, environment):
    return render(environment)
