"""Deploying the stacks: the order they go up and come down in, derived from the app itself.

`deployment.order` is the one place that order is computed (from the dependencies `main.py`
declares, as the cdktf manifest records them); the deploy rehearsal uses it, and so will the
`make deploy` and `make destroy` commands.
"""
