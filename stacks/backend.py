"""backend: the S3 bucket and DynamoDB table that hold every other stack's state."""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from infra_config import EnvironmentConfig
from infra_constructs.state_store import TerraformStateStore, TerraformStateStoreProps
from stacks.base import EnvironmentStack


class BackendStack(EnvironmentStack):
    """The state bucket and lock table.

    Bootstrapped on local state (config `state.backend_stack_state: local`); after its state
    has been migrated into the bucket it created, `s3` puts this stack on the S3 backend too.
    `teardown` (default False) drops the bucket's and table's `prevent_destroy`: only for
    `make destroy` after its second confirmation.
    """

    def __init__(
        self, scope: Construct, id: str, *, config: EnvironmentConfig, teardown: bool = False
    ) -> None:
        super().__init__(
            scope, id, config=config, remote_state=config.state.backend_stack_state == "s3"
        )
        store = TerraformStateStore(
            self,
            "state",
            props=TerraformStateStoreProps(
                bucket_name=config.state.bucket,
                lock_table_name=config.state.lock_table,
                noncurrent_version_expiration_days=config.state.noncurrent_version_expiration_days,
                prevent_destroy=not teardown,
            ),
        )
        TerraformOutput(
            self,
            "state_bucket_name",
            value=store.bucket_name,
            description="S3 bucket holding Terraform state.",
        )
        TerraformOutput(
            self,
            "state_bucket_arn",
            value=store.bucket_arn,
            description="ARN of the state bucket, for IAM policies of CI roles.",
        )
        TerraformOutput(
            self,
            "lock_table_name",
            value=store.lock_table_name,
            description="DynamoDB table holding Terraform state locks.",
        )
        TerraformOutput(
            self,
            "lock_table_arn",
            value=store.lock_table_arn,
            description="ARN of the lock table, for IAM policies of CI roles.",
        )
