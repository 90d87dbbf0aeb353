"""S3 bucket and DynamoDB lock table that hold Terraform state for every other stack."""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.dynamodb_table import (
    DynamodbTable,
    DynamodbTableAttribute,
    DynamodbTablePointInTimeRecovery,
    DynamodbTableServerSideEncryption,
)
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

LOCK_TABLE_HASH_KEY = "LockID"
"""The hash key name the Terraform S3 backend requires of its DynamoDB lock table."""


@dataclass(frozen=True)
class TerraformStateStoreProps:
    """Properties of `TerraformStateStore`.

    bucket_name: globally unique S3 bucket name (required).
    lock_table_name: DynamoDB table name (required).
    noncurrent_version_expiration_days: superseded state versions are deleted after this many
        days (default 90), so a bad apply can be rolled back for that long.
    prevent_destroy: Terraform refuses to destroy the bucket and table (default True): losing
        them loses every stack's state.
    """

    bucket_name: str
    lock_table_name: str
    noncurrent_version_expiration_days: int = 90
    prevent_destroy: bool = True

    def __post_init__(self) -> None:
        if self.noncurrent_version_expiration_days < 1:
            raise ValueError(
                "TerraformStateStoreProps.noncurrent_version_expiration_days: "
                f"{self.noncurrent_version_expiration_days} must be at least 1 day"
            )


class TerraformStateStore(Construct):
    """A hardened S3 state bucket and a DynamoDB lock table.

    Bucket: versioned; SSE-S3 (AES256) default encryption, because the S3 backend's
    `encrypt = true` writes AES256 unless given a literal KMS key ARN, which cannot exist before
    this stack does; all four public-access-block flags; `BucketOwnerEnforced` (ACLs off); a
    policy that denies any request not made over TLS; noncurrent versions expire and incomplete
    multipart uploads are aborted. Table: `LockID` string hash key, on-demand billing,
    point-in-time recovery and server-side encryption.
    """

    def __init__(self, scope: Construct, id: str, *, props: TerraformStateStoreProps) -> None:
        super().__init__(scope, id)
        lifecycle = TerraformResourceLifecycle(prevent_destroy=props.prevent_destroy)

        bucket = S3Bucket(self, "bucket", bucket=props.bucket_name, lifecycle=lifecycle)
        # The bucket's controls, one resource each, in creation order.
        controls = {
            "versioning": lambda id: S3BucketVersioningA(
                self,
                id,
                bucket=bucket.id,
                versioning_configuration=S3BucketVersioningVersioningConfiguration(
                    status="Enabled"
                ),
            ),
            "encryption": lambda id: S3BucketServerSideEncryptionConfigurationA(
                self,
                id,
                bucket=bucket.id,
                rule=[
                    S3BucketServerSideEncryptionConfigurationRuleA(
                        apply_server_side_encryption_by_default=(
                            S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                                sse_algorithm="AES256"
                            )
                        ),
                    )
                ],
            ),
            "public-access-block": lambda id: S3BucketPublicAccessBlock(
                self,
                id,
                bucket=bucket.id,
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            "ownership": lambda id: S3BucketOwnershipControls(
                self,
                id,
                bucket=bucket.id,
                rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
            ),
        }
        created = {id: make(id) for id, make in controls.items()}
        public_access_block = created["public-access-block"]
        S3BucketPolicy(
            self,
            "tls-only",
            bucket=bucket.id,
            policy=json.dumps(_deny_insecure_transport(bucket.arn)),
            depends_on=[public_access_block],
        )
        S3BucketLifecycleConfiguration(
            self,
            "lifecycle",
            bucket=bucket.id,
            rule=[
                S3BucketLifecycleConfigurationRule(
                    id="expire-noncurrent-state-versions",
                    status="Enabled",
                    filter=[S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                    noncurrent_version_expiration=[
                        S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
                            noncurrent_days=props.noncurrent_version_expiration_days
                        )
                    ],
                    abort_incomplete_multipart_upload=[
                        S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
                            days_after_initiation=7
                        )
                    ],
                )
            ],
        )
        table = DynamodbTable(
            self,
            "lock-table",
            name=props.lock_table_name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=LOCK_TABLE_HASH_KEY,
            attribute=[DynamodbTableAttribute(name=LOCK_TABLE_HASH_KEY, type="S")],
            point_in_time_recovery=DynamodbTablePointInTimeRecovery(enabled=True),
            server_side_encryption=DynamodbTableServerSideEncryption(enabled=True),
            lifecycle=lifecycle,
        )

        self.bucket_name: str = bucket.bucket
        self.bucket_arn: str = bucket.arn
        self.lock_table_name: str = table.name
        self.lock_table_arn: str = table.arn


def _deny_insecure_transport(bucket_arn: str) -> dict:
    """Bucket policy denying every S3 action on the bucket and its objects without TLS."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
