"""Load `config/<environment>.yaml` into an `EnvironmentConfig`, or fail with one clear line."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from infra_config.model import EnvironmentConfig
from infra_constructs import rules

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
"""The shipped environment files; INFRA_CONFIG_DIR points elsewhere (tests, forks)."""
DEFAULT_ENVIRONMENT = "dev"


class ConfigError(Exception):
    """A configuration problem, described in one line: file, field, bad value, what is allowed."""


def config_dir() -> Path:
    """The directory of environment files: INFRA_CONFIG_DIR if set, else `config/`."""
    return Path(os.environ.get("INFRA_CONFIG_DIR") or CONFIG_DIR)


def available_environments(directory: Path | None = None) -> list[str]:
    """Names of the environments that have a file in `directory` (default `config_dir()`)."""
    return sorted(path.stem for path in (directory or config_dir()).glob("*.yaml"))


def load_config(environment: str, directory: Path | None = None) -> EnvironmentConfig:
    """Read and validate `<directory>/<environment>.yaml` (default directory `config_dir()`).

    Raises `ConfigError` with one line per problem: file, field path, bad value, what is allowed.
    """
    directory = directory or config_dir()
    path = directory / f"{environment}.yaml"
    shown = _display(path)
    if not path.is_file():
        known = ", ".join(available_environments(directory)) or "none"
        raise ConfigError(
            f"{shown}: no such environment file; available environments: {known} "
            f"(create {shown} to add '{environment}')"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{shown}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{shown}: expected a mapping of settings at the top level, got {type(data).__name__}"
        )
    try:
        config = EnvironmentConfig.model_validate(data, context={"environment": environment})
    except ValidationError as error:
        raise ConfigError(_describe(shown, error)) from None
    if config.environment != environment:
        raise ConfigError(
            f"{shown}: environment: {config.environment!r} does not match the file name; "
            f"set environment: {environment}"
        )
    return config


def _display(path: Path) -> str:
    """The path as a user typed it: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _describe(shown: str, error: ValidationError) -> str:
    """One line per problem: `file: field.path: value: what is allowed`.

    A misspelt key yields two pydantic errors (unknown key, required key missing); they are
    reported as one line that suggests the right spelling.
    """
    problems = error.errors()
    missing = {tuple(p["loc"]) for p in problems if p["type"] == "missing"}
    suggestions = {}
    for problem in problems:
        location = tuple(problem["loc"])
        if problem["type"] == "extra_forbidden":
            siblings = [str(m[-1]) for m in missing if m[:-1] == location[:-1]]
            guess = difflib.get_close_matches(str(location[-1]), siblings, n=1)
            if guess:
                suggestions[location] = guess[0]
                missing.discard((*location[:-1], guess[0]))
    lines = []
    for problem in problems:
        location = tuple(problem["loc"])
        field = _field_path(location)
        if location in suggestions:
            lines.append(f"{shown}: {field}: unknown key; did you mean '{suggestions[location]}'?")
        elif problem["type"] == "extra_forbidden":
            allowed = ", ".join(_allowed_keys(location[:-1]))
            lines.append(f"{shown}: {field}: unknown key; allowed keys here: {allowed}")
        elif problem["type"] == "missing":
            if location in missing:
                lines.append(f"{shown}: {field}: required key is missing; add it")
        else:
            message = problem["msg"].removeprefix("Value error, ")
            if isinstance(problem["input"], dict):  # a rule across several keys of a mapping
                lines.append(f"{shown}: {field}: {message}")
            else:
                value = rules.without_url_credentials(problem["input"])
                lines.append(f"{shown}: {field}: {value!r} is not allowed: {message}")
    return "\n".join(lines)


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    """The keys the model at `parent` (a pydantic error location) declares."""
    model: Any = EnvironmentConfig
    for part in parent:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = next(
            (
                arg
                for arg in (annotation, *get_args(annotation))
                if isinstance(arg, type) and issubclass(arg, BaseModel)
            ),
            None,
        )
        if model is None:
            return []
    return list(model.model_fields)


def _field_path(location: tuple[Any, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"
