"""kapdir: a directory of ketamine-assisted psychotherapy practitioners built from public listings."""

__version__ = "0.1.0"
