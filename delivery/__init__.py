"""Continuous-delivery helpers called by the Jenkinsfile.

- ``python -m delivery.tag_bump``: write the new image tag into the Helm values file and push it.
- ``python -m delivery.loop_guard``: tell whether HEAD is the bot's own tag bump (nothing to build).
"""
