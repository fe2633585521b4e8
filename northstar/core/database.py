"""Whether the configured database can serve Northstar, said in words for the command line.

A command that meets a database error asks `database_problem()`: when the database cannot be
reached, or lacks some of this version's migrations, the user is told what to do instead of being
shown a traceback. Any other database error is a bug and is left to surface as one.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations(alias: str = DEFAULT_DB_ALIAS) -> tuple[list[str], bool]:
    """This version's migrations that the database has not had, in the order they would run, and
    whether it has had any at all."""
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    missing = [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
    return missing, bool(executor.loader.applied_migrations)


def describe_database(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The database as a user would recognise it: engine and name (a file or a database), never a password."""
    settings_dict = connections[alias].settings_dict
    engine = connections[alias].display_name
    name = settings_dict.get("NAME") or "(no name)"
    host = settings_dict.get("HOST")
    port = settings_dict.get("PORT")
    where = f" on {host}{':' + str(port) if port else ''}" if host else ""
    return f"{engine} database {name}{where}"


def database_problem(alias: str = DEFAULT_DB_ALIAS) -> str | None:
    """Why the database cannot serve this version of Northstar, or None when it can."""
    # A failed statement may have left the connection unusable (PostgreSQL aborts the transaction).
    connections.close_all()
    connection = connections[alias]
    try:
        connection.ensure_connection()
        missing, any_applied = unapplied_migrations(alias)
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return (
            f"Cannot open the {describe_database(alias)}: {reason}. "
            "Check DATABASE_URL (see .env.example) and that the database server is running."
        )
    if not missing:
        return None
    what = "is out of date" if any_applied else "is not set up"
    count = f"{len(missing):,} migration{'s' if len(missing) != 1 else ''}"
    return (
        f"The {describe_database(alias)} {what} for this version of Northstar: {count} not applied "
        f"(first {missing[0]}). Run `northstar migrate` (./scripts/serve runs it too), then try again."
    )
