"""helm/django-app/README.md documents every key of values.yaml."""

import re

import yaml

# Maps documented as one row: their inner keys follow the Kubernetes resources shape.
WHOLE_MAP_KEYS = {"resources", "migrations.resources", "postgresql.resources"}


def leaf_keys(values, prefix=""):
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and path not in WHOLE_MAP_KEYS:
            yield from leaf_keys(value, f"{path}.")
        else:
            yield path


def test_every_values_key_has_a_row_in_the_readme_table(chart_dir):
    values = yaml.safe_load((chart_dir / "values.yaml").read_text())
    readme = (chart_dir / "README.md").read_text()
    values_section = readme[readme.index("\n## Values\n") :].split("\n## ")[1]
    documented = set(re.findall(r"^\| `([^`]+)` \|", values_section, flags=re.MULTILINE))
    keys = set(leaf_keys(values))
    assert keys - documented == set()
    assert documented - keys == set(), "rows for keys that values.yaml does not have"
