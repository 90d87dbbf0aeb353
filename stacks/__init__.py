"""Stacks compose constructs into deployable units, one Terraform state each."""
