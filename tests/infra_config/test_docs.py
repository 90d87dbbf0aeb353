"""The README's configuration table is generated from the model and cannot go stale."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import Field

from infra_config import docs
from infra_config.model import EnvironmentConfig, Strict
from synth_helpers import REPO_ROOT


def test_the_readme_table_is_the_generated_one():
    readme = docs.README.read_text()
    assert docs.readme_with_table(readme, docs.configuration_table()) == readme, (
        "README.md's configuration table is stale: run `make docs`"
    )


def test_every_leaf_field_has_a_row():
    table = docs.configuration_table()
    for key in ("project", "state.bucket", "cluster.node_groups[].max_size", "charts.jenkins"):
        assert f"| `{key}` |" in table
    rows = table.splitlines()[2:]
    assert len(rows) == len(set(rows))


def test_a_row_shows_type_bounds_default_and_description():
    table = docs.configuration_table()
    field = EnvironmentConfig.model_fields["network"].annotation.model_fields["az_count"]
    assert f"| `network.az_count` | integer 2-6 | `3` | {field.description} |" in table.splitlines()
    assert "| `state.backend_stack_state` | one of `local`, `s3` | `local` |" in table


def test_an_undocumented_field_is_refused_with_its_key():
    class Inner(Strict):
        documented: int = Field(default=1, description="Has one.")
        bare: int = 2

    class Outer(Strict):
        inner: Inner

    with pytest.raises(docs.UndocumentedField, match=r"^inner\.bare: no description; add Field"):
        docs.configuration_table(Outer)


def test_check_fails_on_a_stale_readme_and_make_docs_repairs_it(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{docs.BEGIN}\n| old | table |\n{docs.END}\n\nAfter.\n")
    command = [sys.executable, "-m", "infra_config.docs", "--readme", str(readme)]
    stale = subprocess.run([*command, "--check"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert stale.returncode == 1
    assert "configuration table is stale: run `make docs`" in stale.stdout
    assert "| old | table |" in readme.read_text(), "--check writes nothing"

    subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True)
    text = readme.read_text()
    assert text.startswith("# Title\n\n") and text.endswith("\n\nAfter.\n")
    assert docs.configuration_table() in text
    fresh = subprocess.run([*command, "--check"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert fresh.returncode == 0


def test_markers_missing_are_refused():
    with pytest.raises(ValueError, match="README.md needs exactly one"):
        docs.readme_with_table("no markers here", "| t |")
