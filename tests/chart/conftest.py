"""Render helm/django-app with the real Helm engine (helm-python-sdk) for the chart tests."""

from pathlib import Path

import helm_python
import pytest
import yaml

from policy.render_chart import DEPLOYED_IMAGE, VALUES_SETS, user_values

CHART_DIR = Path(__file__).resolve().parents[2] / "helm" / "django-app"

RELEASE_NAME = "django-app"
NAMESPACE = "django"


@pytest.fixture(scope="session")
def image_values():
    """The image every test render deploys."""
    return dict(DEPLOYED_IMAGE)


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
        files = chart.render(
            values=user_values(environment, overrides), name=RELEASE_NAME, namespace=NAMESPACE
        )
        return [
            document
            for template, text in sorted(files.items())
            if template.endswith(".yaml")
            for document in yaml.safe_load_all(text)
            if document
        ]

    return _render


@pytest.fixture(scope="session", params=sorted(VALUES_SETS))
def environment(request):
    return request.param


@pytest.fixture(scope="session")
def manifests(render, environment):
    return render(environment)
