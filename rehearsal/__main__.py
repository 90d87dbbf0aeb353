"""`python -m rehearsal [ENV]` (`make rehearse`): the deploy rehearsal of one environment.

Synthesizes the environment (default dev) in this process, starts the emulator and runs
`STEPS` with real Terraform on every stack that uses only the AWS provider, the database stack
included (`make test` defers it: `rehearsal.deploy.DEFERRED_STACKS`). Prints one line per
step; exits 1 at the first failure, or at once with one line when terraform or the provider
mirror is missing or the config is invalid.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from deployment.sequence import Report
from infra_config import DEFAULT_ENVIRONMENT, ConfigError, load_config
from rehearsal.deploy import Rehearsal
from rehearsal.emulator import running_emulator
from rehearsal.steps import STEPS, NotRehearsed
from rehearsal.terraform import MissingPrerequisite, Terraform, find_toolchain


def main(argv: list[str]) -> int:
    environment = argv[1] if len(argv) > 1 else DEFAULT_ENVIRONMENT
    try:
        toolchain = find_toolchain()
    except MissingPrerequisite as missing:
        print(missing, file=sys.stderr)
        return 1
    try:
        config = load_config(environment)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 1
    # Only now: importing the app starts cdktf's jsii runtime (Node), seconds of work.
    from rehearsal.synth import backend_stack_on_s3, synthesize

    with (
        tempfile.TemporaryDirectory(prefix="rehearsal-") as workdir,
        running_emulator(config.aws.region) as emulator,
    ):
        workdir = Path(workdir)
        manifest, stacks = synthesize(config, workdir / "synth")
        rehearsal = Rehearsal(
            Terraform(toolchain, workdir),
            emulator,
            workdir,
            manifest,
            stacks,
            backend_stack_on_s3(config, workdir / "synth-backend-on-s3"),
            deferred={},  # make rehearse has no time budget: every AWS-only stack is applied
        )
        rehearsal.report = Report(sys.stdout)
        print(
            f"rehearsing '{environment}' against {emulator.endpoint} with hashicorp/aws "
            f"{toolchain.aws_provider_version} from {toolchain.plugin_mirror}",
            flush=True,
        )
        for step in STEPS:
            started = time.monotonic()
            try:
                step.run(rehearsal, config)
            except NotRehearsed as reason:
                print(f"skipped      {step.title}: {reason}", flush=True)
                continue
            except Exception as failure:
                print(f"FAILED {step.title}: {failure}", file=sys.stderr)
                return 1
            print(f"ok {time.monotonic() - started:6.1f}s  {step.title}", flush=True)
        for lock in rehearsal.terraform.self_locks_released:
            print(
                f"note: a command met its own state lock {lock.lock_id} (taken {lock.created}, "
                "an AWS SDK retry); released and the command run again",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
