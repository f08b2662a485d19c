"""The CLI's fatal error type, in its own module so `python -m pipeline.cli.main` and imports of
`pipeline.cli.main` agree on one class."""


class CliError(Exception):
    """A fatal problem reported as one clear line on stderr (exit status 2)."""
