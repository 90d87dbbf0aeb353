"""An ACM certificate for the environment's ingress hosts, validated by DNS in its Route 53
zone: the certificate, one validation record per host, and the validation that waits until
ACM has issued it (so no Ingress ever names a certificate that is still pending).

ACM renews a DNS-validated certificate by itself as long as the records stay; nothing here holds
a private key (ACM keeps it), so nothing secret lands in state.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformIterator, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct

from infra_constructs import rules


@dataclass(frozen=True)
class IngressCertificateProps:
    """Properties of `IngressCertificate`.

    hosts: the names it covers; the first is its domain name, the others its alternative
        names (required, at least one).
    zone_id: the Route 53 hosted zone the validation records go into (required; every host
        must be in it).
    """

    hosts: tuple[str, ...]
    zone_id: str

    def __post_init__(self) -> None:
        if not self.hosts:
            raise ValueError("IngressCertificateProps.hosts: empty; name the hosts it covers")
        for host in self.hosts:
            try:
                rules.dns_name(host)
            except ValueError as refused:
                raise ValueError(
                    f"IngressCertificateProps.hosts: {host!r} is not allowed: {refused}"
                ) from None


class IngressCertificate(Construct):
    """Certificate, validation records (one per distinct record ACM asks for) and validation.
    Attribute: `certificate_arn`, known once the certificate is issued."""

    def __init__(self, scope: Construct, id: str, *, props: IngressCertificateProps) -> None:
        super().__init__(scope, id)
        domain, *alternatives = props.hosts
        certificate = AcmCertificate(
            self,
            "certificate",
            domain_name=domain,
            subject_alternative_names=alternatives or None,
            validation_method="DNS",
            key_algorithm="EC_prime256v1",
            # A changed host list makes a new certificate; the listeners move to it before
            # the old one is deleted.
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True),
        )
        options = TerraformIterator.from_complex_list(
            certificate.domain_validation_options, "domain_name"
        )
        records = Route53Record(
            self,
            "validation-record",
            for_each=options,
            zone_id=props.zone_id,
            name=options.get_string("resource_record_name"),
            type=options.get_string("resource_record_type"),
            records=[options.get_string("resource_record_value")],
            ttl=300,
            allow_overwrite=True,
        )
        validation = AcmCertificateValidation(
            self,
            "validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=Token.as_list(
                TerraformIterator.from_resources(records).pluck_property("fqdn")
            ),
        )
        self.certificate_arn: str = validation.certificate_arn
