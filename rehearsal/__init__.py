"""Deploy rehearsal: real Terraform applies rewritten copies of the synthesized stacks to moto.

`python -m rehearsal` (`make rehearse`) and `tests/rehearsal/` run the documented bootstrap,
the deploys, the lock checks and the teardown against a local AWS API emulator. The product's
synthesized JSON is never changed: `copies.rehearsal_copy` rewrites copies of it.
"""
