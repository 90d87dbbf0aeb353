"""The policy gate: checkov once per framework, one summary line each, non-zero exit on any failure.

    python -m policy.gate --checkov .venv-policy/bin/checkov --skip-file .checkov.yaml \\
        [--fail-on-unused-skips] FRAMEWORK=DIRECTORY ...

A failed check that an entry of the skip file covers counts as skipped. The gate fails on any
other failed check, on a parsing error, on a directory where checkov finds nothing to scan and,
with --fail-on-unused-skips, on a skip that covers no failed check (delete it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from policy.skips import Skip, SkipFileError, load_skips

FRAMEWORKS = ("terraform_json", "kubernetes", "dockerfile")
"""What the gate scans: synthesized stacks (cdk.tf.json), rendered manifests, Dockerfiles."""

CHECKOV_OFFLINE_ENVIRONMENT = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
}
"""With --skip-download: no version check on PyPI, no guideline or mapping download from the
platform."""


class GateError(RuntimeError):
    """checkov could not run or its output could not be read."""


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    check_id: str
    check_name: str
    resource: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} ({self.path}:{self.line}): {self.check_name}"


@dataclass
class FrameworkResult:
    framework: str
    directory: Path
    passed: int = 0
    parsing_errors: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, Skip]] = field(default_factory=list)

    @property
    def scanned_nothing(self) -> bool:
        return self.passed + len(self.failed) + len(self.skipped) == 0

    @property
    def ok(self) -> bool:
        return not self.failed and not self.parsing_errors and not self.scanned_nothing

    def summary(self) -> str:
        return (
            f"{self.framework}: {self.passed} passed, {len(self.failed)} failed, "
            f"{len(self.skipped)} skipped"
        )


def run_checkov(checkov: Path, framework: str, directory: Path) -> list[dict]:
    """checkov's JSON reports for `framework` over `directory` (one per check type; none when
    nothing was found).

    checkov runs in `directory` and scans `.`: it then reads no .checkov.yaml from the caller's
    working directory (the gate applies the skip file itself, to count and check every skip),
    and its kubernetes runner, which ignores every path with a hidden directory in it, does not
    ignore a directory such as .policy/kubernetes.
    """
    command = [
        str(checkov.absolute()),
        "--framework",
        framework,
        "--directory",
        ".",
        "--skip-download",
        "--quiet",
        "--compact",
        "--output",
        "json",
    ]
    try:
        completed = subprocess.run(
            command,
            cwd=directory,
            capture_output=True,
            text=True,
            env={**os.environ, **CHECKOV_OFFLINE_ENVIRONMENT},
            check=False,
        )
    except FileNotFoundError:
        raise GateError(
            f"{checkov}: no such executable (make policy installs checkov there)"
        ) from None
    try:
        output = json.loads(completed.stdout)
    except json.JSONDecodeError:
        output = None
    if completed.returncode not in (0, 1) or output is None:
        raise GateError(
            f"checkov --framework {framework} on {directory} failed "
            f"(exit {completed.returncode}):\n"
            f"{completed.stderr.strip()[-2000:]}"
        )
    reports = output if isinstance(output, list) else [output]
    return [report for report in reports if "results" in report]


def classify(
    framework: str, directory: Path, reports: list[dict], skips: list[Skip]
) -> FrameworkResult:
    """Sort checkov's results into passed, failed and skipped (a failure a skip covers)."""
    result = FrameworkResult(framework=framework, directory=directory)
    for report in reports:
        result.passed += report["summary"]["passed"]
        result.parsing_errors += report["summary"]["parsing_errors"]
        for check in report["results"]["failed_checks"]:
            finding = Finding(
                check_id=check["check_id"],
                check_name=check["check_name"],
                resource=check["resource"],
                path=check["file_path"].lstrip("/"),
                line=check["file_line_range"][0],
            )
            skip = next(
                (skip for skip in skips if skip.matches(finding.check_id, finding.path)), None
            )
            if skip:
                result.skipped.append((finding, skip))
            else:
                result.failed.append(finding)
    return result


def report(result: FrameworkResult) -> list[str]:
    """The lines the gate prints for one framework: the summary, then what made it fail."""
    lines = [result.summary()]
    lines += [
        f"  FAILED {finding}"
        for finding in sorted(result.failed, key=lambda f: (f.path, f.line, f.check_id))
    ]
    if result.parsing_errors:
        lines.append(
            f"  ERROR checkov could not parse {result.parsing_errors} file(s) in {result.directory}"
        )
    if result.scanned_nothing:
        lines.append(f"  ERROR checkov found nothing to scan in {result.directory}")
    return lines


def target(argument: str) -> tuple[str, Path]:
    """Parse FRAMEWORK=DIRECTORY."""
    framework, separator, directory = argument.partition("=")
    if not separator or framework not in FRAMEWORKS:
        raise argparse.ArgumentTypeError(
            f"expected FRAMEWORK=DIRECTORY with FRAMEWORK one of {', '.join(FRAMEWORKS)}"
        )
    path = Path(directory).resolve()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{directory}: no such directory")
    return framework, path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m policy.gate", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--checkov", type=Path, required=True, help="the pinned checkov executable")
    parser.add_argument(
        "--skip-file", type=Path, required=True, help="skips with reasons (.checkov.yaml)"
    )
    parser.add_argument(
        "--fail-on-unused-skips",
        action="store_true",
        help="fail on a skip that covers no failed check (use when scanning everything)",
    )
    parser.add_argument("targets", nargs="+", type=target, metavar="FRAMEWORK=DIRECTORY")
    args = parser.parse_args(argv)

    try:
        skips = load_skips(args.skip_file)
        results = [
            classify(framework, directory, run_checkov(args.checkov, framework, directory), skips)
            for framework, directory in args.targets
        ]
    except (GateError, SkipFileError) as error:
        print(f"policy gate: {error}", file=sys.stderr)
        return 2

    for result in results:
        print("\n".join(report(result)))
    used = {skip for result in results for _, skip in result.skipped}
    unused = [skip for skip in skips if skip not in used] if args.fail_on_unused_skips else []
    for skip in unused:
        print(
            f"UNUSED SKIP {skip.entry}: it covers no failed check; delete it from {args.skip_file}"
        )

    failures = sum(len(result.failed) for result in results)
    if failures or unused or not all(result.ok for result in results):
        print(f"policy gate: FAILED ({failures} failed checks, {len(unused)} unused skips)")
        return 1
    print("policy gate: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
