"""Properties of django_app/Dockerfile, checked without a Docker engine.

The Dockerfile is parsed into stages of (instruction, arguments); the
collectstatic step is run as written to prove the build-time placeholders suffice.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DJANGO_APP_DIR = Path(__file__).resolve().parents[2] / "django_app"
BUILD_TOOLS = re.compile(r"\b(gcc|g\+\+|cc|clang|make|build-essential|python3?-dev|libpq-dev)\b")
EXACT_VERSION_TAG = re.compile(r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$")
"""image:MAJOR.MINOR.PATCH[-variant], e.g. python:3.11.14-slim-bookworm; never `latest`."""


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def arguments(self, keyword):
        return [arguments for instruction, arguments in self.instructions if instruction == keyword]

    def environment(self):
        """Variables set by ENV KEY=VALUE instructions of this stage."""
        return dict(
            token.split("=", 1)
            for arguments in self.arguments("ENV")
            for token in shlex.split(arguments)
        )


def logical_lines(text):
    """Dockerfile lines without comments, backslash continuations joined."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return [
        line.strip() for line in re.sub(r"\\\n", " ", "\n".join(lines)).splitlines() if line.strip()
    ]


def parse_dockerfile(text):
    """Split a Dockerfile into its stages."""
    stages = []
    for line in logical_lines(text):
        instruction, _, arguments = line.partition(" ")
        instruction, arguments = instruction.upper(), arguments.strip()
        if instruction == "FROM":
            image, name = re.fullmatch(
                r"(\S+)(?:\s+AS\s+(\S+))?", arguments, re.IGNORECASE
            ).groups()
            stages.append(Stage(image=image, name=name))
        else:
            stages[-1].instructions.append((instruction, arguments))
    return stages


@pytest.fixture(scope="module")
def stages():
    return parse_dockerfile((DJANGO_APP_DIR / "Dockerfile").read_text())


@pytest.fixture(scope="module")
def final_stage(stages):
    return stages[-1]


def collectstatic_command(stage):
    commands = [
        arguments for arguments in stage.arguments("RUN") if "manage.py collectstatic" in arguments
    ]
    assert len(commands) == 1, "exactly one RUN collects the static files"
    return commands[0]


def test_multi_stage_build_copies_only_the_builders_output(stages, final_stage):
    builder_names = {stage.name for stage in stages[:-1]}
    assert len(stages) >= 2
    copied_from = [
        re.match(r"--from=(\S+)", arguments) for arguments in final_stage.arguments("COPY")
    ]
    assert {match.group(1) for match in copied_from if match} & builder_names, (
        "final stage copies from a builder"
    )


def test_base_images_are_pinned_to_an_exact_version(stages):
    stage_names = {stage.name for stage in stages}
    base_images = [stage.image for stage in stages if stage.image not in stage_names]
    assert base_images
    for image in base_images:
        assert EXACT_VERSION_TAG.match(image), f"{image} is not pinned to an exact version tag"
        assert not image.endswith(":latest")


def test_final_stage_runs_as_unprivileged_numeric_user(final_stage):
    user = final_stage.arguments("USER")[-1]
    assert re.fullmatch(r"\d+(:\d+)?", user), "numeric, so Kubernetes runAsNonRoot can verify it"
    assert all(int(identity) >= 10000 for identity in user.split(":"))


def test_final_stage_installs_no_build_tools(final_stage):
    for command in final_stage.arguments("RUN"):
        assert not BUILD_TOOLS.search(command), command


def test_final_stage_configures_python_for_containers(final_stage):
    environment = final_stage.environment()
    assert environment["PYTHONDONTWRITEBYTECODE"] == "1"
    assert environment["PYTHONUNBUFFERED"] == "1"
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_serves_with_gunicorn_on_port_8000(final_stage):
    command = json.loads(final_stage.arguments("CMD")[-1])  # exec form: gunicorn gets the signals
    assert command[0] == "gunicorn"
    config_file = command[command.index("--config") + 1]
    assert (DJANGO_APP_DIR / config_file).is_file()
    assert (DJANGO_APP_DIR / (command[-1].replace(".", "/") + ".py")).is_file(), (
        "WSGI module exists"
    )
    assert final_stage.arguments("EXPOSE") == ["8000"]


def test_no_secret_is_baked_into_the_image(stages):
    for stage in stages:
        baked = set(stage.environment()) | {
            arguments.split("=")[0] for arguments in stage.arguments("ARG")
        }
        assert not baked & {"DJANGO_SECRET_KEY", "DATABASE_URL"}, (
            f"stage {stage.name} bakes a secret"
        )


def test_collectstatic_step_works_as_written(final_stage, tmp_path):
    """Run the RUN line in a clean environment: only the image's ENV and `python`."""
    python_dir = tmp_path / "bin"
    python_dir.mkdir()
    python = python_dir / "python"  # the image's `python`: here, the interpreter running the tests
    python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    python.chmod(0o755)
    static_root = tmp_path / "staticfiles"
    environment = {
        "PATH": f"{python_dir}:/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": final_stage.environment()["DJANGO_SETTINGS_MODULE"],
        "DJANGO_STATIC_ROOT": str(static_root),  # the image uses the default, /app/staticfiles
    }

    result = subprocess.run(
        ["/bin/sh", "-c", collectstatic_command(final_stage)],
        cwd=DJANGO_APP_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "releases/style.css" in manifest["paths"]


def test_dockerignore_keeps_secrets_out_and_code_in():
    patterns = [
        line.strip() for line in (DJANGO_APP_DIR / ".dockerignore").read_text().splitlines()
    ]
    patterns = [pattern for pattern in patterns if pattern and not pattern.startswith("#")]
    assert {".env", "**/__pycache__/"} <= set(patterns)
    needed = {"manage.py", "gunicorn.conf.py", "requirements.txt", "config/", "releases/"}
    assert not needed & set(patterns)


def test_requirements_are_pinned():
    requirements = [
        line.strip()
        for line in (DJANGO_APP_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert requirements
    for requirement in requirements:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+(\[[\w,]+\])?==[\w.]+", requirement), requirement


def test_build_context_has_no_local_environment_files():
    assert not list(DJANGO_APP_DIR.glob(".env*")), "django_app/.env* would hold local secrets"
    assert os.path.isfile(DJANGO_APP_DIR / ".dockerignore")
