"""How an Ingress asks the AWS Load Balancer Controller for its ALB: the annotations, in one
place, for the app's, Jenkins' and Argo CD's Ingresses.

Every ALB here is internet-facing in the public subnets, sends to pod IPs, listens on 80 and
443 with HTTP redirected to HTTPS, terminates TLS with an ACM certificate under the controller's
default TLS 1.2/1.3 policy, drops invalid header fields, and admits only `inbound_cidrs` in its
security group. Ingresses with the same `group` share one ALB (so their `inbound_cidrs` must be
the same, which `alb_annotations` cannot check across Ingresses: the callers pass one value per
group).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from infra_constructs import rules
from infra_constructs.rules import check_fields

ANNOTATION = "alb.ingress.kubernetes.io/"


@dataclass(frozen=True)
class AlbIngressProps:
    """One ALB's settings, as an Ingress's annotations.

    group: IngressGroup name; Ingresses naming the same group share one ALB (required).
    certificate_arn: ACM certificate for the HTTPS listener (required).
    inbound_cidrs: who may connect (required; `0.0.0.0/0` for the app).
    health_check_path: what the target groups poll on each pod (default none: the ALB's own
        default, `/` for HTTP and HTTPS targets, `/AWS.ALB/healthcheck` for gRPC ones).
    """

    group: str
    certificate_arn: str
    inbound_cidrs: tuple[str, ...]
    health_check_path: str | None = None

    def __post_init__(self) -> None:
        check_fields(self, group=rules.kubernetes_name)
        if not self.inbound_cidrs:
            raise ValueError(
                "AlbIngressProps.inbound_cidrs: empty; list who may connect (0.0.0.0/0 for "
                "everyone)"
            )


def alb_annotations(props: AlbIngressProps) -> dict[str, str]:
    """The annotations of an Ingress served by the ALB `props` describes."""
    annotations = {
        f"{ANNOTATION}scheme": "internet-facing",
        f"{ANNOTATION}target-type": "ip",
        f"{ANNOTATION}group.name": props.group,
        f"{ANNOTATION}listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        f"{ANNOTATION}ssl-redirect": "443",
        f"{ANNOTATION}certificate-arn": props.certificate_arn,
        f"{ANNOTATION}inbound-cidrs": ",".join(props.inbound_cidrs),
        f"{ANNOTATION}load-balancer-attributes": (
            "routing.http.drop_invalid_header_fields.enabled=true"
        ),
    }
    if props.health_check_path is not None:
        annotations[f"{ANNOTATION}healthcheck-path"] = props.health_check_path
    return annotations
