"""A command that fails against the lock it took itself is told apart from a real conflict."""

from datetime import UTC, datetime

from rehearsal.terraform import self_lock

REFUSAL = """\
Acquiring state lock. This may take a few moments...

Error: Error acquiring the state lock

Error message: operation error DynamoDB: PutItem, https response error
StatusCode: 400, RequestID: AWRo3CMPfpjLwFDiDIVOaALUoamjaq6ljub0gnGMr7nV5KATyqW1,
ConditionalCheckFailedException: The conditional request failed
Lock Info:
  ID:        8d84e168-8d6f-c096-9e60-c16b546b70c7
  Path:      djeks-dev-tfstate-example/djeks/dev/backend.tfstate
  Operation: OperationTypePlan
  Who:       root@vm
  Version:   1.11.4
  Created:   2026-12-03 14:30:00.658423576 +0000 UTC
  Info:
"""
"""As CI printed it (2026-12-03): a plan refused by the lock its own retried PutItem took."""


def test_a_lock_taken_after_the_command_started_is_its_own():
    started = datetime(2026, 12, 3, 14, 29, 58, 900000, tzinfo=UTC)
    lock = self_lock(REFUSAL, started)
    assert lock is not None
    assert lock.lock_id == "8d84e168-8d6f-c096-9e60-c16b546b70c7"
    assert lock.created == datetime(2026, 12, 3, 14, 30, 0, 658423, tzinfo=UTC)


def test_a_lock_taken_a_moment_before_the_command_belongs_to_someone_else():
    started = datetime(2026, 12, 3, 14, 30, 0, 658424, tzinfo=UTC)
    assert self_lock(REFUSAL, started) is None


def test_a_planted_lock_without_a_creation_time_is_someone_elses():
    planted = REFUSAL.replace(
        "Created:   2026-12-03 14:30:00.658423576 +0000 UTC",
        "Created:   0001-01-01 00:00:00 +0000 UTC",
    )
    assert self_lock(planted, datetime(2026, 12, 3, 14, 0, tzinfo=UTC)) is None


def test_other_failures_are_not_lock_conflicts():
    error = "Error: creating S3 Bucket (x): BucketAlreadyExists"
    assert self_lock(error, datetime(2000, 1, 1, tzinfo=UTC)) is None
