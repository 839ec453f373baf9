"""The command line's error kinds, in a module of their own.

Here rather than in flows/cli.py so that `python -m flows.cli` (where the CLI
module runs as `__main__`) and the modules raising them (flows/lock.py) share
one class: a second import of flows.cli would make a second, uncaught one.
"""
from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; shown as one line, exit code 2."""


class NightFailed(Exception):
    """A night that did not publish: one line (the cause is in the Prefect log), exit code 1."""
