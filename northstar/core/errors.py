"""Errors that mean "your input is bad": shown to the user as a readable message, never a 500.

Anything else that goes wrong is a bug and is allowed to surface as one.
"""

from __future__ import annotations

from dataclasses import dataclass


class UserInputError(Exception):
    """The user's input (a form, a file, a command-line argument) cannot be accepted."""

    def __init__(self, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []

    def __str__(self) -> str:
        if not self.details:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {d}" for d in self.details)


@dataclass(frozen=True)
class RowError:
    """One bad row of an uploaded or imported file: its line number in the file and why."""

    line: int
    reason: str
    column: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class FileRejected(UserInputError):
    """A file with bad rows: nothing from it was written."""

    def __init__(self, file_name: str, errors: list[RowError]):
        self.file_name = file_name
        self.errors = list(errors)
        count = len(self.errors)
        super().__init__(
            f"{file_name} was not imported: {count} row{'s' if count != 1 else ''} "
            "need correcting. Nothing was changed.",
            details=[str(e) for e in self.errors],
        )
