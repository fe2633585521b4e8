"""Importers of published statistics, one module per publisher format (registered on import)."""

from . import berd, bres, gva, nesta, threesixtygiving  # noqa: F401
