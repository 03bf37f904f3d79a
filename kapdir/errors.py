"""One exception type for everything a user can fix, so the CLI can print one line instead of a traceback."""


class KapdirError(Exception):
    """A problem the user can act on; its message is shown as-is on one line."""

    exit_code = 2


class LockedError(KapdirError):
    """Another crawl of the same source is running (EX_TEMPFAIL so cron wrappers can retry later)."""

    exit_code = 75
