"""The policy gate (`make policy`): checkov over the synthesized stacks, the rendered chart and
the Dockerfile."""
