"""The one error type a user of the pipeline is meant to see.

An `InputError` carries a message that says what is wrong and how to fix it; the command line
prints it and exits non-zero, the app shows it. Anything else escaping is a bug.
"""


class InputError(ValueError):
    """Bad input from a person: a file, a manifest entry, a taxonomy entry, a review decision."""
