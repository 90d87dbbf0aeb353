"""The state bucket's end: every object version goes before the bucket can."""

from __future__ import annotations


def empty_bucket(s3, bucket: str) -> int:
    """Delete every version and delete marker of every object in `bucket` (S3 refuses to delete
    a versioned bucket that holds any); returns how many went. A missing bucket is empty."""
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
    except s3.exceptions.NoSuchBucket:
        return 0
    deleted = 0
    for page in pages:
        for version in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
            deleted += 1
    return deleted
