"""Carve one VPC CIDR into per-AZ private, public and database subnets (pure Python, no
cdktf)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class SubnetPlan:
    """Subnet CIDRs per availability zone, index i for the i-th AZ."""

    private: tuple[str, ...]
    public: tuple[str, ...]
    database: tuple[str, ...]


def plan_subnets(
    vpc_cidr: str,
    az_count: int,
    *,
    private_newbits: int,
    public_newbits: int,
    database_newbits: int = 8,
) -> SubnetPlan:
    """Private subnets first (the larger blocks), then public ones, then database ones, each
    aligned, none overlapping. A tier only ever follows the ones before it, so adding the
    database tier left every private and public subnet where it was.

    Raises ValueError naming the shortfall when the subnets do not fit inside `vpc_cidr`.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr)
    private = _allocate(vpc, az_count, vpc.prefixlen + private_newbits, start=vpc.network_address)
    after_private = (private[-1].broadcast_address + 1) if private else vpc.network_address
    public = _allocate(vpc, az_count, vpc.prefixlen + public_newbits, start=after_private)
    after_public = public[-1].broadcast_address + 1
    database = _allocate(vpc, az_count, vpc.prefixlen + database_newbits, start=after_public)
    return SubnetPlan(
        private=tuple(map(str, private)),
        public=tuple(map(str, public)),
        database=tuple(map(str, database)),
    )


def _allocate(
    vpc: ipaddress.IPv4Network, count: int, prefixlen: int, start: ipaddress.IPv4Address
) -> list[ipaddress.IPv4Network]:
    if prefixlen > 28:
        raise ValueError(f"subnets of /{prefixlen} are smaller than the /28 AWS allows")
    size = 2 ** (32 - prefixlen)
    first = -(-int(start) // size) * size  # round up to the block boundary
    blocks = [ipaddress.IPv4Network((first + i * size, prefixlen)) for i in range(count)]
    if not blocks or not blocks[-1].subnet_of(vpc):
        raise ValueError(
            f"{count} subnets of /{prefixlen} do not fit in {vpc} after the ones "
            "before them; use fewer newbits or a larger VPC CIDR"
        )
    return blocks
