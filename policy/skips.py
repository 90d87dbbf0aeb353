"""The skip file (.checkov.yaml): checks the gate skips, each with its one-line reason.

The file uses checkov's own config syntax, one entry per line with the reason as a comment:

    skip-check:
      - CKV_AWS_119  # reason
      - CKV_AWS_338:dev/  # reason; the skip applies only where the path matches

An entry is a check id, optionally followed by `:` and a regular expression matched against
the start of the failing file's path relative to the scanned directory (as checkov does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SKIP_KEY = "skip-check"
MIN_REASON_WORDS = 4
ENTRY_SYNTAX = re.compile(r"^(?P<check_id>CKV2?_[A-Z0-9]+_\d+)(?::(?P<path_pattern>.+))?$")


class SkipFileError(ValueError):
    """The skip file is malformed or an entry lacks its reason."""


@dataclass(frozen=True)
class Skip:
    check_id: str
    path_pattern: str | None
    reason: str

    @property
    def entry(self) -> str:
        """The entry as written in the skip file."""
        return f"{self.check_id}:{self.path_pattern}" if self.path_pattern else self.check_id

    def matches(self, check_id: str, path: str) -> bool:
        """Whether this skip covers `check_id` failing in the file at `path` (relative to the
        scanned directory)."""
        if check_id != self.check_id:
            return False
        return self.path_pattern is None or re.match(self.path_pattern, path) is not None


def load_skips(skip_file: Path) -> list[Skip]:
    """Every skip in `skip_file`; raises SkipFileError for a malformed file or an entry without
    a reason."""
    text = skip_file.read_text()
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or set(data) - {SKIP_KEY}:
        raise SkipFileError(f"{skip_file}: the policy gate reads only the '{SKIP_KEY}' list")
    entries = data.get(SKIP_KEY) or []
    if not isinstance(entries, list) or not all(isinstance(entry, str) for entry in entries):
        raise SkipFileError(f"{skip_file}: '{SKIP_KEY}' must be a list of check ids")
    duplicates = sorted({entry for entry in entries if entries.count(entry) > 1})
    if duplicates:
        raise SkipFileError(f"{skip_file}: skipped more than once: {', '.join(duplicates)}")
    return [_parse_entry(skip_file, text, entry) for entry in entries]


def _parse_entry(skip_file: Path, text: str, entry: str) -> Skip:
    syntax = ENTRY_SYNTAX.match(entry)
    if not syntax:
        raise SkipFileError(f"{skip_file}: {entry!r} is not CHECK_ID or CHECK_ID:PATH_REGEX")
    path_pattern = syntax["path_pattern"]
    if path_pattern:
        try:
            re.compile(path_pattern)
        except re.error as error:
            raise SkipFileError(f"{skip_file}: {entry}: bad path regex: {error}") from None
    item = rf"^\s*-\s*(?P<quote>[\"']?){re.escape(entry)}(?P=quote)"
    line = re.search(rf"{item}\s*(?:#\s*(?P<reason>.*?))?\s*$", text, re.MULTILINE)
    reason = (line["reason"] or "") if line else ""
    if len(reason.split()) < MIN_REASON_WORDS:
        raise SkipFileError(
            f"{skip_file}: {entry} needs its reason on the same line: "
            f"'- {entry}  # why this check does not apply to this project' "
            f"(at least {MIN_REASON_WORDS} words)"
        )
    return Skip(check_id=syntax["check_id"], path_pattern=path_pattern, reason=reason)
