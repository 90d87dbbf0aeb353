"""IAM policy documents as JSON strings (tokens inside are resolved by cdktf at synth)."""

from __future__ import annotations

import json


def policy_json(statements: list[dict]) -> str:
    """An IAM policy document with these statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def service_trust_policy(service: str) -> str:
    """A trust policy that lets one AWS service principal assume the role."""
    return policy_json(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def managed_policy_arn(partition: str, name: str) -> str:
    """ARN of an AWS managed policy, e.g. `AmazonEKSClusterPolicy`."""
    return f"arn:{partition}:iam::aws:policy/{name}"
