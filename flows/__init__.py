"""Prefect flows and the command line; thin wiring over sources/ and transforms/."""
