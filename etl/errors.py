"""The one error type a user of the pipeline is meant to see.

An `InputError` carries a message that says what is wrong and how to fix it; the command line
prints it and exits non-zero. The message is written for the command line (it names options
such as `--new-city`), so an error the app shows also carries its `problems`: each an interface
text key and the values to fill in, which the app renders in the user's language and in its
own words ("tick the box …"). Anything else escaping is a bug.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong, for the app: the key of its text (`error.<key>`) and the values in it."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


class InputError(ValueError):
    """Bad input from a person: a file, a manifest entry, a taxonomy entry, a review decision."""

    def __init__(self, message: str, *problems: Problem) -> None:
        super().__init__(message)
        self.problems = problems
