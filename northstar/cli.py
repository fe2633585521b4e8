"""The `northstar` command line: Django's management commands with Northstar's defaults.

`northstar migrate`, `northstar load_default_data`, `northstar import_assets FILE`,
`northstar createadmin`, `northstar serve`… — `northstar help` lists them all.
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "northstar.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["northstar", *(sys.argv[1:] if argv is None else argv)])
    return 0
