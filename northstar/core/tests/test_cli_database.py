"""The command line on a database it cannot use: a database not set up (or behind this version's
migrations) or one it cannot reach gets a message saying what to do, not a traceback; a database
error on a database that is fine is a bug and still surfaces as one."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import DatabaseError

from northstar.cli import main
from northstar.core.database import database_problem


def run_northstar(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "northstar.settings.dev",
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from northstar.cli import main; sys.exit(main())",
            *args,
        ],
        env=env,
        cwd=settings.REPO_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_database_never_migrated_is_named_with_the_command_to_run(tmp_path):
    database = tmp_path / "empty.sqlite3"
    for command in (["funding", "--by", "enterprise-size"], ["import", "--present"], ["economy"]):
        finished = run_northstar(f"sqlite:///{database}", *command)
        assert finished.returncode == 1, finished.stderr
        assert "Traceback" not in finished.stderr
        assert (
            f"The SQLite database {database} is not set up for this version of Northstar"
            in finished.stderr
        )
        assert "Run `northstar migrate`" in finished.stderr


def test_a_database_behind_this_versions_migrations_is_out_of_date(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'partial.sqlite3'}"
    set_up = run_northstar(database_url, "migrate", "contenttypes", "--noinput", "--verbosity", "0")
    assert set_up.returncode == 0, set_up.stderr

    finished = run_northstar(database_url, "funding")

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert "is out of date for this version of Northstar" in finished.stderr
    assert "not applied (first " in finished.stderr


def test_a_database_server_that_does_not_answer_is_named_without_its_password():
    with socket.socket() as probe:  # a port nothing listens on: bound here, closed before use
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    finished = run_northstar(
        f"postgres://northstar:s3cret-word@127.0.0.1:{port}/observatory", "economy"
    )

    assert finished.returncode == 1
    assert "Traceback" not in finished.stderr
    assert f"Cannot open the PostgreSQL database observatory on 127.0.0.1:{port}" in finished.stderr
    assert "Check DATABASE_URL" in finished.stderr
    assert "s3cret-word" not in finished.stderr


@pytest.mark.django_db(transaction=True)
def test_on_a_database_that_is_up_to_date_there_is_no_problem_and_a_database_error_is_a_bug():
    assert database_problem() is None
    failing = "from django.db import connection; connection.cursor().execute('SELECT * FROM no_such_table')"
    with pytest.raises(DatabaseError):
        main(["shell", "--no-imports", "-c", failing])
