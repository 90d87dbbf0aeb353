"""Load `config/<environment>.yaml` into an `EnvironmentConfig`, or fail with one clear line."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from infra_config.model import EnvironmentConfig
from infra_config.yaml_loading import YamlRefused, read_yaml
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

    Raises `ConfigError` with one line: file, field path, bad value, what is allowed (the first
    problem, and how many more there are). The file is read within bounds (`yaml_loading`).
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
        data = read_yaml(path)
    except YamlRefused as refused:
        raise ConfigError(one_line(f"{shown}: {refused}")) from None
    except OSError as error:
        raise ConfigError(one_line(f"{shown}: cannot be read: {error.strerror}")) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{shown}: expected a mapping of settings at the top level, got {type(data).__name__}"
        )
    try:
        config = EnvironmentConfig.model_validate(data, context={"environment": environment})
    except ValidationError as error:
        raise ConfigError(_describe(shown, error)) from None
    except RecursionError:
        raise ConfigError(f"{shown}: nesting too deep to validate") from None
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


MAX_LINE = 500
"""The longest error line: a value is shortened to fit, never printed whole."""
MAX_VALUE = 80
"""The longest value (its repr) shown in an error line."""


def one_line(text: str) -> str:
    """`text` on one line of at most `MAX_LINE` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_LINE else f"{flat[: MAX_LINE - 3]}..."


def shown_value(value: Any) -> str:
    """`value` as an error line shows it: its repr, credentials in URLs masked, shortened."""
    text = repr(rules.without_url_credentials(value))
    return text if len(text) <= MAX_VALUE else f"{text[: MAX_VALUE - 3]}..."


def _describe(shown: str, error: ValidationError) -> str:
    """The first problem, on one line: `file: field.path: value: what is allowed`, followed by
    how many more there are; each line at most `MAX_LINE` characters.

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
                value = shown_value(problem["input"])
                lines.append(f"{shown}: {field}: {value} is not allowed: {message}")
    more = f" (and {len(lines) - 1} more problem{'s' * (len(lines) > 2)})" if lines[1:] else ""
    return one_line(lines[0])[: MAX_LINE - len(more)] + more


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
