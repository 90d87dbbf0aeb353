"""The sequence's executor for a real AWS account: the cdktf CLI, one stack per command.

Every command is `npx --no-install cdktf <deploy|destroy|synth> <stack>` with the environment in
`INFRA_ENV` and the backend's state place in `INFRA_BACKEND_STATE` (`infra_config.overrides`),
into an output directory of its own (`cdktf.out.deploy-<env>`, beside `cdktf.out`, which `make
synth` keeps). Stacks go one at a time, so that each plan is shown and approved on the terminal
(cdktf's own prompt) unless `auto_approve`. cdktf re-synthesizes before every command; each
stack's dependencies are deployed by the sequence before it (`--ignore-missing-stack-dependencies`).

Where the backend's state is (`backend_state`) is read from what exists: the local state file
(`infra_config.state_paths.local_state_file`) while it holds resources, else the bucket's state
object, else nowhere. The migration is `cdktf deploy backend --migrate-state` (cdktf answers
Terraform's question), after a `cdktf diff` on the state's current place has recorded that place
in the working directory; the local file is then kept as `backend.tfstate.migrated`.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from botocore.exceptions import ClientError

from deployment.cleanup import Cleanup, cleanups_for, cluster_name
from deployment.kubernetes import ClusterObjects, write_kubeconfig
from deployment.load_balancers import remove_controller_leftovers
from deployment.sequence import BOOTSTRAP_STACK, BackendState, SequenceError
from deployment.state_bucket import empty_bucket
from infra_config import EnvironmentConfig
from infra_config.overrides import BACKEND_STATE_VARIABLE, BACKEND_TEARDOWN_VARIABLE
from infra_config.state_paths import local_state_file, state_key

CDKTF = ("npx", "--no-install", "cdktf")
"""The project's pinned cdktf CLI (node_modules), never a global one."""

MIGRATED_SUFFIX = ".migrated"
"""The local state file, once its state is in the bucket, is kept under this suffix."""

Runner = Callable[..., subprocess.CompletedProcess]


def output_dir(root: Path, environment: str) -> Path:
    """The deploy's synth output: at the repository root, because the backend's local state
    path is relative to `<output>/stacks/<stack>/`."""
    return root / f"cdktf.out.deploy-{environment}"


class CdktfExecutor:
    """`deployment.sequence.Executor` on the cdktf CLI against the account of `session`."""

    parallel_waves = False
    """One command at a time: each plan is read and approved on the terminal."""

    def __init__(
        self,
        *,
        config: EnvironmentConfig,
        root: Path,
        session,
        auto_approve: bool,
        kubectl: str = "kubectl",
        aws: str = "aws",
        cdktf: Sequence[str] = CDKTF,
        run: Runner = subprocess.run,
        quiet_run: Runner | None = None,
        environ: Mapping[str, str] | None = None,
        say: Callable[[str], None] = print,
        leftovers_timeout_seconds: float = 600.0,
        leftovers_poll_seconds: float = 10.0,
        outdir: Path | None = None,
    ) -> None:
        self.config = config
        self.root = root
        self.session = session
        self.auto_approve = auto_approve
        self.kubectl = kubectl
        self.aws = aws
        self.cdktf = tuple(cdktf)
        self.run = run
        self.quiet_run = quiet_run or (
            lambda argv: run(list(argv), capture_output=True, text=True, stdin=subprocess.DEVNULL)
        )
        self.environ = dict(os.environ if environ is None else environ)
        self.say = say
        self.leftovers_timeout_seconds = leftovers_timeout_seconds
        self.leftovers_poll_seconds = leftovers_poll_seconds
        self.outdir = outdir or output_dir(root, config.environment)
        """Must be a directory at `root` (see `output_dir`)."""

    # The CLI -----------------------------------------------------------------------------

    def _cdktf(
        self,
        verb: str,
        stack: str | None,
        *,
        backend: BackendState | None = None,
        teardown: bool = False,
        migrate: bool = False,
    ) -> None:
        argv = [*self.cdktf, verb, *([stack] if stack else []), "--output", str(self.outdir)]
        if verb in ("deploy", "destroy"):
            argv.append("--ignore-missing-stack-dependencies")
            if self.auto_approve:
                argv.append("--auto-approve")
        if migrate:
            argv.append("--migrate-state")
        environment = {
            **self.environ,
            "INFRA_ENV": self.config.environment,
            "CHECKPOINT_DISABLE": "1",
            BACKEND_STATE_VARIABLE: backend.value if backend else "",
            BACKEND_TEARDOWN_VARIABLE: "1" if teardown else "",
        }
        result = self.run(argv, cwd=self.root, env=environment)
        if result.returncode != 0:
            raise SequenceError(
                f"cdktf {verb} {stack or ''} exited {result.returncode} (its output is above); "
                "fix the cause and run the same make command again: it continues from here"
            )

    def synth(self) -> dict[str, dict]:
        """Every stack synthesized into the output directory (backend on S3); by name."""
        self._cdktf("synth", None, backend=BackendState.S3)
        return self.stacks()

    def stacks(self) -> dict[str, dict]:
        manifest = json.loads((self.outdir / "manifest.json").read_text())
        return {
            name: json.loads((self.outdir / stack["synthesizedStackPath"]).read_text())
            for name, stack in manifest["stacks"].items()
        }

    # Where the backend's state is --------------------------------------------------------

    @property
    def local_state(self) -> Path:
        return self.root / local_state_file(self.config, BOOTSTRAP_STACK)

    def backend_state(self) -> BackendState:
        """LOCAL while the local state file holds resources, else S3 while the bucket holds
        the backend's state object, else ABSENT."""
        local = self.local_state
        if local.exists() and json.loads(local.read_text() or "{}").get("resources"):
            return BackendState.LOCAL
        return BackendState.S3 if self._state_in_bucket() else BackendState.ABSENT

    def _state_in_bucket(self) -> bool:
        key = state_key(self.config, BOOTSTRAP_STACK)
        try:
            self.session.client("s3").head_object(Bucket=self.config.state.bucket, Key=key)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            if code in ("404", "NoSuchKey", "NoSuchBucket"):
                return False
            raise SequenceError(
                f"cannot read s3://{self.config.state.bucket}/{key} ({code}): the bucket "
                "belongs to another account, or these credentials may not read it; "
                "state.bucket must be a name of your own"
            ) from None
        return True

    def _forget_backend_choice(self) -> None:
        """Terraform records the last backend in `.terraform/terraform.tfstate` (configuration
        only, never state); without it, `init` takes the backend the synth says, like
        `init -reconfigure`."""
        (self.outdir / "stacks" / BOOTSTRAP_STACK / ".terraform" / "terraform.tfstate").unlink(
            missing_ok=True
        )

    # The sequence's executor -------------------------------------------------------------

    def apply_backend(self, on: BackendState) -> None:
        self._forget_backend_choice()
        self._cdktf("deploy", BOOTSTRAP_STACK, backend=on)

    def migrate_backend(self, to: BackendState) -> None:
        """The state moved to `to`: the working directory first initialised on the other place
        (a `cdktf diff`, which also shows that nothing is pending), then `--migrate-state`."""
        here = BackendState.LOCAL if to is BackendState.S3 else BackendState.S3
        self._forget_backend_choice()
        self._cdktf("diff", BOOTSTRAP_STACK, backend=here)
        self._cdktf("deploy", BOOTSTRAP_STACK, backend=to, migrate=True)
        if to is BackendState.S3:
            if not self._state_in_bucket():
                raise SequenceError(
                    "backend: no state in the bucket after the migration; the local state "
                    f"file {local_state_file(self.config, BOOTSTRAP_STACK)} is kept"
                )
            if self.local_state.exists():
                self.local_state.replace(
                    self.local_state.with_name(self.local_state.name + MIGRATED_SUFFIX)
                )

    def apply(self, stack: str) -> None:
        self._cdktf("deploy", stack)

    def clean_up_before_destroy(self, stack: str) -> None:
        stacks = self.stacks()
        for cleanup in cleanups_for(stacks[stack]):
            if cleanup is Cleanup.KUBERNETES_OBJECTS:
                self._clean_up_cluster_objects(cluster_name(stacks))
            else:
                remove_controller_leftovers(
                    self.session.client("elbv2"),
                    self.session.client("ec2"),
                    cluster_name(stacks),
                    timeout_seconds=self.leftovers_timeout_seconds,
                    poll_seconds=self.leftovers_poll_seconds,
                )

    def _clean_up_cluster_objects(self, cluster: str) -> None:
        eks = self.session.client("eks")
        try:
            eks.describe_cluster(name=cluster)
        except eks.exceptions.ResourceNotFoundException:
            self.say(f"cluster {cluster} does not exist: no Kubernetes objects to delete")
            return
        kubeconfig = self.outdir / f"kubeconfig-{cluster}"
        kubeconfig.parent.mkdir(parents=True, exist_ok=True)
        write_kubeconfig(
            aws=self.aws,
            cluster=cluster,
            region=self.config.aws.region,
            kubeconfig=kubeconfig,
            run=self.quiet_run,
        )
        try:
            ClusterObjects(
                kubectl=self.kubectl, kubeconfig=kubeconfig, run=self.quiet_run
            ).clean_up(self.say)
        finally:
            kubeconfig.unlink(missing_ok=True)
        # What the controller deleted for those objects must be gone before its own stack goes.
        remove_controller_leftovers(
            self.session.client("elbv2"),
            self.session.client("ec2"),
            cluster,
            timeout_seconds=self.leftovers_timeout_seconds,
            poll_seconds=self.leftovers_poll_seconds,
        )

    def destroy(self, stack: str) -> None:
        self._cdktf("destroy", stack)

    def empty_state_bucket(self) -> None:
        count = empty_bucket(self.session.client("s3"), self.config.state.bucket)
        self.say(f"deleted {count} object versions from s3://{self.config.state.bucket}")

    def destroy_backend(self) -> None:
        self._forget_backend_choice()
        self._cdktf("destroy", BOOTSTRAP_STACK, backend=BackendState.LOCAL, teardown=True)


__all__ = ["CDKTF", "CdktfExecutor", "output_dir"]
