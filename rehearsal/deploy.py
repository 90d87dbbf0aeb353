"""The documented deploy path, run by real Terraform on rehearsal copies against the emulator."""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from botocore.exceptions import ClientError

from deployment.cleanup import Cleanup, cleanups_for, cluster_name
from deployment.load_balancers import remove_controller_leftovers
from deployment.order import StackGraph
from deployment.sequence import BOOTSTRAP_STACK, BackendState, Report
from deployment.state_bucket import empty_bucket
from rehearsal.copies import rehearsal_copy
from rehearsal.drift import drift
from rehearsal.eks_stand_in import add_cluster_security_group, remove_cluster_security_groups
from rehearsal.emulator import Emulator
from rehearsal.terraform import Terraform

EMULATED_PROVIDERS = frozenset({"aws"})
"""What the rehearsal can run: the AWS provider, against the emulator. A stack that needs any
other provider (platform: helm and kubernetes want a real cluster, and are not in the provider
mirror) is not rehearsed."""


DEFERRED_STACKS = {
    "database": (
        "applying RDS on the emulator makes the rehearsal about five minutes longer (11 minutes "
        "alone instead of 6, measured), more than the 12-minute budget of make test leaves; "
        "its promise check is tested against the emulator on its own (tests/rehearsal/"
        "test_checks.py)"
    ),
}
"""Stacks using only the AWS provider that the rehearsal in `make test` does not apply, with
the reason; `make rehearse` applies them too."""


def rehearsed_graph(
    manifest: dict, stacks: dict[str, dict], deferred: Mapping[str, str] = DEFERRED_STACKS
) -> StackGraph:
    """The stacks the rehearsal applies (those using only `EMULATED_PROVIDERS`, less
    `deferred`: `DEFERRED_STACKS` in `make test`, none in `make rehearse`), with the
    dependencies main.py declares (`deployment.order`)."""
    rehearsed = [
        name
        for name, stack in stacks.items()
        if set(stack.get("provider", {})) <= EMULATED_PROVIDERS and name not in deferred
    ]
    return StackGraph.from_manifest(manifest).only(rehearsed)


PLAN_NO_CHANGES, PLAN_CHANGES = 0, 2
"""Exit codes of `terraform plan -detailed-exitcode`."""

LOCK_WAIT_SECONDS = 60
"""How long a `terraform console` may take to hold its locks, and to let them go."""
REFUSAL_SECONDS = 30
"""A run that meets a held lock with `-lock-timeout=0s` ends well within this (about 1 s)."""
LOCK_ERROR = "Error acquiring the state lock"
LEFTOVERS_TIMEOUT_SECONDS = 60
"""The emulator deletes at once; a minute is ample."""


class RehearsalFailure(Exception):
    """A step of the rehearsal did not go as the README says it goes."""


class Rehearsal:
    """Rehearsal copies of one environment's stacks in `workdir`, and what runs them: the
    `deployment.sequence.Executor` that `make deploy` and `make destroy` also drive (there with
    the cdktf CLI against AWS, here with terraform against the emulator), plus plans and locks.

    `manifest` and `stacks` are the app as synthesized (backend on local state, as shipped);
    `backend_on_s3` is the backend stack synthesized with `state.backend_stack_state: s3`,
    the configuration its state is migrated with (README step 2). The stacks rehearsed and
    their order come from `rehearsed_graph`.
    """

    def __init__(
        self,
        terraform: Terraform,
        emulator: Emulator,
        workdir: Path,
        manifest: dict,
        stacks: dict[str, dict],
        backend_on_s3: dict,
        deferred: Mapping[str, str] = DEFERRED_STACKS,
    ) -> None:
        self.terraform = terraform
        self.emulator = emulator
        self.state_dir = workdir / "state"
        self.state_dir.mkdir()
        self.stacks_dir = workdir / "stacks"
        self.graph = rehearsed_graph(manifest, stacks, deferred)
        self.stack_names = self.graph.deploy_order()
        self.report = Report(io.StringIO())
        """Where the sequence reports its steps (`python -m rehearsal` prints them)."""
        self.changed: list[str] = []
        """Every stack applied with changes, in order (a stack once per deploy)."""
        self._copies = {name: self._copy(stacks[name]) for name in self.stack_names}
        self._backend_on_s3 = self._copy(backend_on_s3)
        for name, stack in self._copies.items():
            self.stack_dir(name).mkdir(parents=True)
            self._write(name, stack)

    @property
    def local_backend_state(self) -> Path:
        """Where the backend stack keeps its state before the migration and for the teardown."""
        return Path(self._copies[BOOTSTRAP_STACK]["terraform"]["backend"]["local"]["path"])

    @property
    def state_bucket(self) -> str:
        return self._backend_on_s3["terraform"]["backend"]["s3"]["bucket"]

    @property
    def lock_table(self) -> str:
        return self._backend_on_s3["terraform"]["backend"]["s3"]["dynamodb_table"]

    def state_key(self, name: str) -> str:
        """Object key of stack `name`'s state in the state bucket."""
        stack = self._backend_on_s3 if name == BOOTSTRAP_STACK else self._copies[name]
        return stack["terraform"]["backend"]["s3"]["key"]

    def stack_dir(self, name: str) -> Path:
        return self.stacks_dir / name

    @property
    def cluster_name(self) -> str:
        """The EKS cluster's name, as the cluster stack sets it."""
        return cluster_name(self._copies)

    def copy_of(self, name: str) -> dict:
        """The rehearsal copy of stack `name` (the backend's: on local state)."""
        return self._copies[name]

    # The sequence's executor (deployment.sequence.Executor) ------------------------------

    parallel_waves = True

    def backend_state(self) -> BackendState:
        """LOCAL while the local state file holds resources, else S3 while the bucket holds
        the backend's state object, else ABSENT."""
        local = self.local_backend_state
        if local.exists() and json.loads(local.read_text() or "{}").get("resources"):
            return BackendState.LOCAL
        try:
            self.state_version(BOOTSTRAP_STACK)
        except ClientError:  # no bucket, or no object in it
            return BackendState.ABSENT
        return BackendState.S3

    def apply_backend(self, on: BackendState) -> None:
        self._write(BOOTSTRAP_STACK, self._backend_copy(on))
        self.terraform.run(self.stack_dir(BOOTSTRAP_STACK), "init", "-reconfigure")
        self._apply_planned(BOOTSTRAP_STACK)

    def migrate_backend(self, to: BackendState) -> None:
        """To S3: the state copied into the bucket, then the local file deleted once a plan on
        the S3 backend shows no changes. To LOCAL: copied back (the bucket keeps its object
        until it is emptied)."""
        self._write(BOOTSTRAP_STACK, self._backend_copy(to))
        directory = self.stack_dir(BOOTSTRAP_STACK)
        self.terraform.run(directory, "init", "-migrate-state", "-force-copy")
        if to is BackendState.S3:
            plan = self.plan(BOOTSTRAP_STACK)
            if plan.returncode != PLAN_NO_CHANGES:
                raise RehearsalFailure(
                    f"{BOOTSTRAP_STACK}: plan after the state migration is not empty:\n"
                    f"{plan.stdout[-4000:]}{plan.stderr[-2000:]}"
                )
            self.local_backend_state.unlink()

    def apply(self, name: str) -> None:
        self.terraform.run(self.stack_dir(name), "init")
        self._apply_planned(name)
        if self._holds_the_cluster(name) and "database" in self.stack_names:
            # EKS's own security group, which the emulator does not make (rehearsal.
            # eks_stand_in); the refresh puts its id into the cluster stack's outputs.
            add_cluster_security_group(self.emulator, self.cluster_name)
            self.terraform.run(self.stack_dir(name), "apply", "-refresh-only", "-auto-approve")

    def _holds_the_cluster(self, name: str) -> bool:
        return "aws_eks_cluster" in self._copies[name].get("resource", {})

    def _apply_planned(self, name: str) -> None:
        """Plan; apply that plan only when it changes something, as `cdktf deploy` does. A
        stack whose plan had changes is appended to `changed` (`drift_of` tells what)."""
        plan_file = self._plan_file(name)
        plan = self.plan(name, f"-out={plan_file}")
        if plan.returncode == 1:
            raise RehearsalFailure(f"{name}: plan failed:\n{plan.stderr[-4000:]}")
        if plan.returncode == PLAN_NO_CHANGES:
            return
        self.changed.append(name)
        self.terraform.run(self.stack_dir(name), "apply", str(plan_file))

    def drift_of(self, name: str) -> dict[str, set[str]]:
        """What the last plan `apply` made of stack `name` changes (`rehearsal.drift.drift`)."""
        shown = self.terraform.run(
            self.stack_dir(name), "show", "-json", str(self._plan_file(name))
        )
        return drift(json.loads(shown.stdout))

    def _plan_file(self, name: str) -> Path:
        return self.stack_dir(name) / "deploy.tfplan"

    def clean_up_before_destroy(self, name: str) -> None:
        """Before the stack that holds the cluster: what the AWS Load Balancer Controller made
        for it in the VPC goes (`deployment.load_balancers`, as in `make destroy`)."""
        if Cleanup.CONTROLLER_LEFTOVERS in cleanups_for(self._copies[name]):
            remove_controller_leftovers(
                self.emulator.client("elbv2"),
                self.emulator.client("ec2"),
                self.cluster_name,
                timeout_seconds=LEFTOVERS_TIMEOUT_SECONDS,
                poll_seconds=1,
            )

    def destroy(self, name: str) -> None:
        self.terraform.run(self.stack_dir(name), "destroy", "-auto-approve")
        if self._holds_the_cluster(name):
            remove_cluster_security_groups(self.emulator)  # as DeleteCluster does on AWS

    def empty_state_bucket(self) -> None:
        """Every version of every object: S3 refuses to delete a bucket that holds any."""
        empty_bucket(self.emulator.client("s3"), self.state_bucket)

    def destroy_backend(self) -> None:
        self.destroy(BOOTSTRAP_STACK)

    def _backend_copy(self, on: BackendState) -> dict:
        return self._backend_on_s3 if on is BackendState.S3 else self._copies[BOOTSTRAP_STACK]

    # Plans and locks -----------------------------------------------------------------------

    def plan(self, name: str, *args: str) -> subprocess.CompletedProcess:
        """`terraform plan -detailed-exitcode`: exit 0 no changes, 2 changes, 1 error."""
        return self.terraform.run(
            self.stack_dir(name),
            "plan",
            "-detailed-exitcode",
            *args,
            expect=(PLAN_NO_CHANGES, PLAN_CHANGES, 1),
        )

    def state_version(self, name: str) -> str:
        """S3 version id of stack `name`'s state object: it changes whenever state is written."""
        return self.emulator.client("s3").head_object(
            Bucket=self.state_bucket, Key=self.state_key(name)
        )["VersionId"]

    def lock_holders(self, name: str) -> set[str]:
        """Which locks on stack `name`'s state are taken: "s3-lockfile", "dynamodb"."""
        holders = set()
        listing = self.emulator.client("s3").list_objects_v2(
            Bucket=self.state_bucket, Prefix=f"{self.state_key(name)}.tflock"
        )
        if listing.get("KeyCount"):
            holders.add("s3-lockfile")
        item = self.emulator.client("dynamodb").get_item(
            TableName=self.lock_table,
            Key={"LockID": {"S": f"{self.state_bucket}/{self.state_key(name)}"}},
        )
        if "Item" in item:
            holders.add("dynamodb")
        return holders

    def prove_second_run_refused(self, name: str) -> None:
        """While stack `name`'s state is locked, a plan with `-lock-timeout=0s` fails at once
        with Terraform's lock error, and the state object is not written."""
        version = self.state_version(name)
        started = time.monotonic()
        plan = self.plan(name, "-lock-timeout=0s")
        elapsed = time.monotonic() - started
        if plan.returncode != 1 or LOCK_ERROR not in plan.stderr:
            raise RehearsalFailure(
                f"{name}: a second run was not refused by the lock "
                f"(exit {plan.returncode}):\n{plan.stderr[-3000:]}"
            )
        if elapsed > REFUSAL_SECONDS:
            raise RehearsalFailure(f"{name}: the refused run took {elapsed:.0f} s")
        if self.state_version(name) != version:
            raise RehearsalFailure(f"{name}: the refused run wrote the state")

    @contextmanager
    def holding_state_lock(self, name: str) -> Iterator[None]:
        """A `terraform console` on stack `name` holds its state lock for the `with` block."""
        console = self.terraform.start(self.stack_dir(name), "console")
        try:
            deadline = time.monotonic() + LOCK_WAIT_SECONDS
            while self.lock_holders(name) != {"s3-lockfile", "dynamodb"}:
                if console.poll() is not None or time.monotonic() > deadline:
                    raise RehearsalFailure(f"{name}: terraform console did not take both locks")
                time.sleep(0.2)
            yield
        finally:
            try:
                console.communicate(timeout=LOCK_WAIT_SECONDS)  # end of input: console exits
            except subprocess.TimeoutExpired:
                console.kill()
                console.communicate()
                raise

    @contextmanager
    def planted_lock(self, name: str, holder: str) -> Iterator[None]:
        """The lock `holder` ("s3-lockfile" or "dynamodb") of stack `name`, as another Terraform
        run would leave it, removed again when the `with` block ends."""
        info = json.dumps(
            {
                "ID": "rehearsal-other-holder",
                "Operation": "OperationTypeApply",
                "Who": "someone-else@elsewhere",
                "Version": "1.11.0",
                "Info": "",
                "Path": f"{self.state_bucket}/{self.state_key(name)}",
            }
        )
        s3, dynamodb = self.emulator.client("s3"), self.emulator.client("dynamodb")
        lockfile = f"{self.state_key(name)}.tflock"
        lock_id = {"LockID": {"S": f"{self.state_bucket}/{self.state_key(name)}"}}
        if holder == "s3-lockfile":
            s3.put_object(Bucket=self.state_bucket, Key=lockfile, Body=info.encode())
        else:
            dynamodb.put_item(TableName=self.lock_table, Item={**lock_id, "Info": {"S": info}})
        try:
            yield
        finally:
            if holder == "s3-lockfile":
                s3.delete_object(Bucket=self.state_bucket, Key=lockfile)
            else:
                dynamodb.delete_item(TableName=self.lock_table, Key=lock_id)

    # Helpers -------------------------------------------------------------------------------

    def _copy(self, stack: dict) -> dict:
        return rehearsal_copy(
            stack,
            endpoint=self.emulator.endpoint,
            state_dir=self.state_dir,
            provider_version=self.terraform.toolchain.aws_provider_version,
        )

    def _write(self, name: str, stack: dict) -> None:
        (self.stack_dir(name) / "cdk.tf.json").write_text(json.dumps(stack, indent=2))
