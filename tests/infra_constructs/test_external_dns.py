"""external-dns alone: one zone, records it owns, its namespace and its refusals."""

from __future__ import annotations

import json

import pytest
import yaml

from infra_constructs.external_dns import ExternalDnsAddon, ExternalDnsAddonProps
from synth_helpers import only_resource, resources, synth_construct

PROPS = {
    "version": "1.21.1",
    "zone_name": "dev.example.com",
    "zone_id": "Z0123456789",
    "owner_id": "shop-dev",
    "role_name": "shop-dev-external-dns",
    "oidc_issuer_url": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
    "partition": "aws",
    "region": "eu-west-1",
}


def synthesized(**overrides) -> dict:
    props = ExternalDnsAddonProps(**{**PROPS, **overrides})
    return json.loads(synth_construct(lambda scope: ExternalDnsAddon(props=props).deploy(scope)))


def test_it_writes_records_it_owns_in_one_zone():
    stack = synthesized()
    values = yaml.safe_load(only_resource(stack, "helm_release")["values"][0])
    assert values["domainFilters"] == ["dev.example.com"]
    assert "--zone-id-filter=Z0123456789" in values["extraArgs"]
    assert (values["registry"], values["txtOwnerId"], values["policy"]) == (
        "txt",
        "shop-dev",
        "upsert-only",
    )
    statements = json.loads(only_resource(stack, "aws_iam_role_policy")["policy"])["Statement"]
    [change] = [s for s in statements if "route53:ChangeResourceRecordSets" in s["Action"]]
    assert change["Resource"] == "arn:aws:route53:::hostedzone/Z0123456789"


def test_its_namespace_is_restricted_and_made_first():
    stack = synthesized()
    [namespace] = resources(stack, "kubernetes_namespace_v1")
    assert namespace["metadata"]["name"] == "external-dns"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    release = only_resource(stack, "helm_release")
    assert any("kubernetes_namespace_v1" in dependency for dependency in release["depends_on"])


@pytest.mark.parametrize("zone", ["Example.com", "example.com.", "localhost", "a_b.example.com"])
def test_a_zone_that_is_not_a_dns_name_is_refused(zone):
    with pytest.raises(ValueError) as refused:
        ExternalDnsAddonProps(**{**PROPS, "zone_name": zone})
    assert str(refused.value).startswith(
        f"ExternalDnsAddonProps.zone_name: {zone!r} is not allowed: use a lower-case DNS name"
    )
