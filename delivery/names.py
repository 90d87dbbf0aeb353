"""Grammars the delivery tools, `make deploy` and the config rules share: one home each, so a
name the configuration accepts is one every tool accepts (`infra_constructs.rules` applies
them too)."""

import re

ENVIRONMENT = re.compile(r"[a-z][a-z0-9-]{0,31}")
"""An environment's name: it names a config file, directories, git tags and AWS resources."""
IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
"""An image tag (the OCI distribution spec's grammar), matched against the whole string."""
MAX_IMAGE_TAG_LENGTH = 128
ECR_REPOSITORY = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*")
"""An ECR repository name, as `CreateRepository` accepts it (2-256 characters)."""
AWS_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d")
"""The shape of an AWS region's name (which regions exist is the config's to check)."""
