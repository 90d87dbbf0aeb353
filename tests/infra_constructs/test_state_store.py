"""Unit tests of the TerraformStateStore construct (Testing.synth, no app wiring)."""

from __future__ import annotations

import json

import pytest
from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
)
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import S3BucketOwnershipControls
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioningA

from infra_constructs.state_store import TerraformStateStore, TerraformStateStoreProps
from synth_helpers import has_resource as has
from synth_helpers import only_resource, synth_construct


def synth_store(**overrides) -> str:
    props = TerraformStateStoreProps(
        bucket_name="unit-state", lock_table_name="unit-lock", **overrides
    )
    return synth_construct(lambda stack: TerraformStateStore(stack, "state", props=props))


@pytest.fixture(scope="module")
def synthesized() -> str:
    return synth_store()


def test_bucket_is_versioned(synthesized):
    assert has(
        synthesized,
        S3BucketVersioningA.TF_RESOURCE_TYPE,
        {"versioning_configuration": {"status": "Enabled"}},
    )


def test_bucket_is_encrypted_by_default(synthesized):
    assert has(
        synthesized,
        S3BucketServerSideEncryptionConfigurationA.TF_RESOURCE_TYPE,
        {"rule": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]},
    )


def test_bucket_blocks_every_kind_of_public_access(synthesized):
    assert has(
        synthesized,
        S3BucketPublicAccessBlock.TF_RESOURCE_TYPE,
        {
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
    )


def test_bucket_disables_acls(synthesized):
    assert has(
        synthesized,
        S3BucketOwnershipControls.TF_RESOURCE_TYPE,
        {"rule": {"object_ownership": "BucketOwnerEnforced"}},
    )


def test_bucket_policy_denies_requests_without_tls(synthesized):
    policy = json.loads(only_resource(json.loads(synthesized), "aws_s3_bucket_policy")["policy"])
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    bucket_arn = "${aws_s3_bucket.state_bucket_803B4E61.arn}"
    assert statement["Resource"] == [bucket_arn, f"{bucket_arn}/*"]


def test_noncurrent_versions_expire_after_the_configured_days():
    assert has(
        synth_store(noncurrent_version_expiration_days=45),
        S3BucketLifecycleConfiguration.TF_RESOURCE_TYPE,
        {
            "rule": [
                {
                    "status": "Enabled",
                    "noncurrent_version_expiration": [{"noncurrent_days": 45}],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                }
            ]
        },
    )


def test_bucket_and_table_are_protected_from_destroy(synthesized):
    for resource_type in (S3Bucket.TF_RESOURCE_TYPE, DynamodbTable.TF_RESOURCE_TYPE):
        assert has(synthesized, resource_type, {"lifecycle": {"prevent_destroy": True}})


def test_protection_can_be_turned_off_for_disposable_environments():
    assert not has(
        synth_store(prevent_destroy=False),
        S3Bucket.TF_RESOURCE_TYPE,
        {"lifecycle": {"prevent_destroy": True}},
    )


def test_lock_table_has_the_key_and_protections_terraform_needs(synthesized):
    assert has(
        synthesized,
        DynamodbTable.TF_RESOURCE_TYPE,
        {
            "name": "unit-lock",
            "hash_key": "LockID",
            "attribute": [{"name": "LockID", "type": "S"}],
            "billing_mode": "PAY_PER_REQUEST",
            "point_in_time_recovery": {"enabled": True},
            "server_side_encryption": {"enabled": True},
        },
    )


def test_props_reject_a_retention_below_one_day():
    with pytest.raises(ValueError, match="noncurrent_version_expiration_days: 0 must be at least"):
        TerraformStateStoreProps(
            bucket_name="b", lock_table_name="t", noncurrent_version_expiration_days=0
        )
