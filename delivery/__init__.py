"""Continuous-delivery helpers for the pipeline (delivery/README.md).

- ``python -m delivery.tag_bump``: write the new image tag into the Helm values file and push it.
- ``python -m delivery.loop_guard``: tell whether HEAD needs a build (not a bot bump or a revert).
- ``python -m delivery.image_exists``: tell whether the commit's image is already in ECR.
- ``python -m delivery.rollback``: go back to a tag the environment ran before.
- ``python -m delivery.argocd_wait``: wait until Argo CD runs the pushed revision, healthy.
"""
