"""Reusable constructs: each implements one piece of infrastructure from a frozen props object.

Not named `constructs`: that would shadow the `constructs` library that cdktf itself imports.
"""
