"""The one error type the command line turns into a single line on stderr."""


class CharlmError(Exception):
    """Bad input the user can act on (a missing or damaged file, a wrong option)."""
