"""Continuous-delivery helpers for the pipeline (delivery/README.md).

- ``python -m delivery.tag_bump``: write the new image tag into the Helm values file and push it.
- ``python -m delivery.loop_guard``: tell whether HEAD needs a build (not a bot bump or a revert).
- ``python -m delivery.image_exists``: tell whether the commit's image is already in ECR.
- ``python -m delivery.rollback``: go back to a tag the environment ran before.
- ``python -m delivery.promote``: write the image recorded healthy in one environment into
  another's values file (e.g. dev's into prod's), or push it to a branch for a pull request.
- ``python -m delivery.deployed``: record that an image ran healthy in an environment (git tag
  ``deployed/<env>/<tag>``).
- ``python -m delivery.argocd_wait``: wait until Argo CD runs the pushed revision, healthy.
"""
