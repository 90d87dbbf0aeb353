"""Render helm/django-app with the real Helm engine for every shipped values file.

`python -m policy.render_chart OUT_DIR` writes OUT_DIR/<values set>/<template>.yaml for each
values set: `default` (values.yaml alone), `dev` (+ values-dev.yaml), `dev-in-cluster` (dev with
the chart's own PostgreSQL), `prod` (+ values-prod.yaml), layered the way the Argo CD Application
layers them (`VALUES_SETS`).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import get_args

import helm_python
import yaml

from infra_config import load_config
from infra_config.model import DatabaseKind
from infra_config.secrets import app_database_values
from infra_constructs.chart_values import deep_merge

REPO_ROOT = Path(__file__).resolve().parent.parent
CHART_DIR = REPO_ROOT / "helm" / "django-app"
RELEASE_NAME = "django-app"
NAMESPACE = "django"

VALUES_SETS = {
    "default": ((), None),
    "dev": (("values-dev.yaml",), "dev"),
    "dev-in-cluster": (("values-dev.yaml",), "in-cluster"),
    "prod": (("values-prod.yaml",), "prod"),
}
"""Per rendered set: the values files layered on the chart's values.yaml, and the database the
Argo CD Application sets (`infra_config.secrets.app_database_values`): that environment's
configured `database.kind`, a kind named directly, or none (values.yaml's defaults)."""

DEPLOYED_IMAGE = {
    "repository": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/djeks/django-app",
    "tag": "3f9c2e1",
}
"""What the Argo CD Application and the environment's tag (bumped or promoted) supply: an ECR URI
and a short SHA."""


def user_values(values_set: str, overrides: dict | None = None) -> dict:
    """The values a deployment of `values_set` passes to Helm (on top of the chart's
    values.yaml), layered as Helm layers `-f` files, then the Application's database values,
    then `overrides`."""
    files, database = VALUES_SETS[values_set]
    values: dict = {}
    for file_name in files:
        values = deep_merge(values, yaml.safe_load((CHART_DIR / file_name).read_text()) or {})
    # Over the files: the environment's file holds the tag the pipeline or a promotion wrote
    # (empty in Git until the first build), the Application the repository.
    values = deep_merge(values, {"image": dict(DEPLOYED_IMAGE)})
    if database is not None:
        values = deep_merge(values, app_database_values(database_kind(database)))
    return deep_merge(values, overrides or {})


def database_kind(database: str) -> DatabaseKind:
    """`database` if it is a kind, else the `database.kind` configured for that environment."""
    if database in get_args(DatabaseKind):
        return database  # type: ignore[return-value]
    return load_config(database).database.kind


def render_all(out_dir: Path) -> list[Path]:
    """Render every values set into `out_dir/<set>/`, replacing what was there; return the files
    written."""
    shutil.rmtree(out_dir, ignore_errors=True)
    written = []
    with helm_python.Chart.load(CHART_DIR) as chart:
        for values_set in VALUES_SETS:
            rendered = chart.render(
                values=user_values(values_set), name=RELEASE_NAME, namespace=NAMESPACE
            )
            for template, text in sorted(rendered.items()):
                if not template.endswith(".yaml") or not text.strip():
                    continue
                target = out_dir / values_set / template
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the rendered manifests into")
    args = parser.parse_args(argv)
    written = render_all(args.out_dir)
    chart = CHART_DIR.relative_to(REPO_ROOT)
    print(f"rendered {chart} for {', '.join(VALUES_SETS)}: {len(written)} files in {args.out_dir}")


if __name__ == "__main__":
    main()
