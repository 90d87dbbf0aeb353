"""The cluster's default StorageClass: encrypted gp3 volumes through the EBS CSI driver."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_kubernetes.storage_class_v1 import (
    StorageClassV1,
    StorageClassV1Metadata,
)
from constructs import Construct


@dataclass(frozen=True)
class DefaultStorageClassProps:
    """Properties of `DefaultStorageClass`.

    name: StorageClass name (required), marked as the cluster default.
    """

    name: str


class DefaultStorageClass:
    """StorageClass (id `gp3`): encrypted gp3, `WaitForFirstConsumer` (the volume is made in
    the zone of the pod that claims it), expandable, deleted with its claim."""

    def __init__(self, *, props: DefaultStorageClassProps) -> None:
        self.props = props

    def deploy(self, scope: Construct) -> StorageClassV1:
        return StorageClassV1(
            scope,
            "gp3",
            metadata=StorageClassV1Metadata(
                name=self.props.name,
                annotations={"storageclass.kubernetes.io/is-default-class": "true"},
            ),
            storage_provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            reclaim_policy="Delete",
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
        )
