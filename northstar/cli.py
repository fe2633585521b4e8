"""The `northstar` command line: Django's management commands with Northstar's defaults.

`northstar migrate`, `northstar load_default_data`, `northstar import_assets FILE`,
`northstar createadmin`, `northstar import`, `northstar funding`… — `northstar help` lists them all
(`./scripts/serve` serves the app).
"""

import os
import sys

# Commands that set the database up (or show how): their own database errors are theirs to report.
MIGRATION_COMMANDS = {
    "migrate",
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "squashmigrations",
}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "northstar.settings.dev")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        execute_from_command_line(["northstar", *args])
    except DatabaseError:
        if args and args[0] in MIGRATION_COMMANDS:
            raise
        from northstar.core.database import database_problem

        problem = database_problem()
        if problem is None:
            raise  # the database is fine, so this is a bug: let it show as one
        sys.stderr.write(f"Error: {problem}\n")
        return 1
    return 0
