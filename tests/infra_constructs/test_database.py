"""The database construct's refusals: one line with the field, the value and the fix."""

from __future__ import annotations

import pytest

from infra_constructs.database import PostgresDatabaseProps

PROPS = {
    "identifier": "shop-dev-postgres",
    "subnet_ids": ("subnet-a", "subnet-b"),
    "vpc_id": "vpc-1",
    "client_security_group_id": "sg-1",
    "partition": "aws",
    "region": "eu-west-1",
    "account_id": "123456789012",
    "engine_version": "17",
    "instance_class": "db.t4g.micro",
    "allocated_storage_gib": 20,
    "max_allocated_storage_gib": 50,
    "multi_az": False,
    "deletion_protection": False,
    "final_snapshot": False,
    "backup_retention_days": 1,
    "backup_window": "01:00-02:00",
    "maintenance_window": "sun:03:00-sun:04:00",
    "log_retention_days": 7,
    "performance_insights_retention_days": 7,
    "database_name": "django",
    "master_username": "django",
}


def test_the_shipped_shape_is_accepted():
    PostgresDatabaseProps(**PROPS)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("engine_version", "15", "engine_version: '15' is not allowed: use one of the PostgreSQL"),
        ("instance_class", "t4g.micro", "instance_class: 't4g.micro' is not allowed: use an RDS"),
        ("maintenance_window", "sunday 3am", "maintenance_window: 'sunday 3am' is not allowed"),
        ("backup_window", "1-2", "backup_window: '1-2' is not allowed: use hh:mm-hh:mm"),
        ("master_username", "postgres", "master_username: 'postgres' is not allowed"),
        ("database_name", "My-DB", "database_name: 'My-DB' is not allowed"),
        (
            "performance_insights_retention_days",
            30,
            "performance_insights_retention_days: 30 is not allowed: use 7, 731",
        ),
        ("identifier", "Shop_DB", "identifier: 'Shop_DB' is not allowed"),
        ("subnet_ids", ("subnet-a",), "subnet_ids: 1 subnet(s); RDS needs a subnet group in two"),
    ],
)
def test_bad_props_are_refused(field, value, expected):
    with pytest.raises(ValueError) as refused:
        PostgresDatabaseProps(**{**PROPS, field: value})
    assert expected in str(refused.value)
    assert "\n" not in str(refused.value)


def test_storage_autoscaling_must_leave_room():
    with pytest.raises(ValueError, match="must be at least 10 % above allocated_storage_gib 20"):
        PostgresDatabaseProps(**{**PROPS, "max_allocated_storage_gib": 21})
