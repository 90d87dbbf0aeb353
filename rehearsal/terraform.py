"""Terraform for the rehearsal: the binary, the provider mirror, and a runner that uses them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from deployment.prerequisites import MINIMUM_TERRAFORM

DEFAULT_PLUGIN_MIRROR = Path("/opt/tf-plugins")
AWS_PROVIDER_DIR = Path("registry.terraform.io", "hashicorp", "aws")

CLI_CONFIG = """\
provider_installation {{
  filesystem_mirror {{
    path    = "{mirror}"
    include = ["registry.terraform.io/hashicorp/*"]
  }}
}}
"""
"""Providers come from the mirror only: the rehearsal needs no network."""

COMMAND_TIMEOUT_SECONDS = 300

UNREACHABLE_PROXY = "http://127.0.0.1:9"
"""Terraform and the provider send every request to this closed port, except requests to
loopback addresses (Go never proxies those): the emulator is reachable, AWS is not."""


GO_GC_PERCENT = "400"
"""Go's garbage collector target for terraform and the provider (default 100). Each command
starts the AWS provider, which builds its whole schema first; measured on a 2-core machine,
`terraform validate` of the network stack takes 3.9 s and 4.4 s of CPU at 100, 3.1 s and 2.9 s at
400, for about 4% more memory. The rehearsal runs about sixty commands beside other tests."""


LOCK_CONFLICT = re.compile(
    r"Error acquiring the state lock.*?Lock Info:\s+ID:\s+(?P<id>\S+).*?"
    r"Created:\s+(?P<created>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(?P<fraction>\d+))?",
    re.DOTALL,
)
"""Terraform's report of a state lock it could not take: the holder's lock ID and when it was
taken (UTC, to the nanosecond)."""


@dataclass(frozen=True)
class SelfLock:
    """A lock a command found held by a lock it took itself (see `self_lock`)."""

    lock_id: str
    created: datetime


def self_lock(output: str, started: datetime) -> SelfLock | None:
    """The lock that `output` (a terraform command's) says blocked it, when that lock was taken
    after the command `started`: the command's own lock.

    The lock requests (DynamoDB PutItem and S3 PutObject, both conditional) are retried by the
    AWS SDK when an attempt's response is lost; an attempt the server carried out already makes
    the retry fail against the lock it just took (opentofu/opentofu#4405 describes the same for
    S3). Seen once in about forty rehearsals on moto's threaded server. Nothing else runs
    terraform on a stack's state during the rehearsal, so a lock younger than the command can
    only be the command's own.
    """
    found = LOCK_CONFLICT.search(output)
    if found is None:
        return None
    created = datetime.strptime(found["created"], "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=UTC, microsecond=int((found["fraction"] or "0")[:6].ljust(6, "0"))
    )
    if created < started:
        return None
    return SelfLock(lock_id=found["id"], created=created)


class MissingPrerequisite(Exception):
    """The rehearsal cannot run here; the message is one line saying what is missing."""


class TerraformFailed(Exception):
    """A terraform command ended with an exit code the caller did not expect."""


@dataclass(frozen=True)
class Toolchain:
    """The terraform binary, the provider filesystem mirror and the AWS provider version in it."""

    terraform: Path
    plugin_mirror: Path
    aws_provider_version: str


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def find_toolchain() -> Toolchain:
    """Terraform >= 1.10 on PATH and a mirror (`TF_PLUGIN_MIRROR`) with hashicorp/aws in it.

    Raises `MissingPrerequisite` naming what is missing. With several AWS provider versions
    in the mirror, the newest is used.
    """
    terraform = shutil.which("terraform")
    if terraform is None:
        raise MissingPrerequisite("rehearsal needs terraform >= 1.10 on PATH: not found")
    about = json.loads(
        subprocess.run(
            [terraform, "version", "-json"], capture_output=True, text=True, check=True
        ).stdout
    )
    if _version_key(about["terraform_version"])[:2] < MINIMUM_TERRAFORM:
        raise MissingPrerequisite(
            f"rehearsal needs terraform >= 1.10: {terraform} is {about['terraform_version']}"
        )
    mirror = Path(os.environ.get("TF_PLUGIN_MIRROR") or DEFAULT_PLUGIN_MIRROR)
    versions = sorted(
        (path.parent.name for path in (mirror / AWS_PROVIDER_DIR).glob(f"*/{about['platform']}")),
        key=_version_key,
    )
    if not versions:
        raise MissingPrerequisite(
            f"rehearsal needs a provider mirror with hashicorp/aws for {about['platform']}: "
            f"none in {mirror} (set TF_PLUGIN_MIRROR)"
        )
    return Toolchain(
        terraform=Path(terraform), plugin_mirror=mirror, aws_provider_version=versions[-1]
    )


class Terraform:
    """Runs terraform with a mirror-only CLI config, no AWS_*, TF_* or proxy variables
    inherited, `UNREACHABLE_PROXY` for everything but loopback, and `GO_GC_PERCENT`.

    The CLI config file is written into `workdir`; nothing outside it is touched.
    """

    def __init__(self, toolchain: Toolchain, workdir: Path) -> None:
        self.toolchain = toolchain
        self.self_locks_released: list[SelfLock] = []
        """Each `SelfLock` a command met, released with `force-unlock`, and the command rerun."""
        cli_config = workdir / "terraform.rc"
        cli_config.write_text(CLI_CONFIG.format(mirror=toolchain.plugin_mirror))
        inherited = {
            name: value
            for name, value in os.environ.items()
            if not name.upper().startswith(("AWS_", "TF_"))
            and name.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
        }
        self.environment = {
            **inherited,
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "GOGC": GO_GC_PERCENT,
            "HTTP_PROXY": UNREACHABLE_PROXY,
            "HTTPS_PROXY": UNREACHABLE_PROXY,
        }

    def _command(self, *args: str) -> list[str]:
        return [str(self.toolchain.terraform), *args, "-no-color"]

    def run(
        self, directory: Path, *args: str, expect: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess:
        """`terraform <args>` in `directory`; raises `TerraformFailed` on another exit code.

        A command that fails against its own lock (`self_lock`) has that lock released and runs
        once more; `self_locks_released` records it."""
        started = datetime.now(UTC)
        result = self._run(directory, *args)
        if result.returncode != 0 and (lock := self_lock(result.stderr, started)) is not None:
            self._run(directory, "force-unlock", "-force", lock.lock_id)
            self.self_locks_released.append(lock)
            result = self._run(directory, *args)
        if result.returncode not in expect:
            raise TerraformFailed(
                f"terraform {' '.join(args)} in {directory} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def _run(self, directory: Path, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            self._command(*args),
            cwd=directory,
            env=self.environment,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )

    def start(self, directory: Path, *args: str) -> subprocess.Popen:
        """`terraform <args>` in `directory` in the background, its stdin a pipe to hold open."""
        return subprocess.Popen(
            self._command(*args),
            cwd=directory,
            env=self.environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
