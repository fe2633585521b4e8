"""What the benchmarks share: fresh databases, the production settings' environment, timing a
process with its peak memory, gunicorn as deployed, percentiles, and the machine's description.

Used by bench_assets.py, bench_ingest.py and bench_participants.py (each puts this folder on
sys.path); it changes nothing they measure. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import contextlib
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
VAR_DIR = REPO_DIR / "var" / "bench"
RESULTS_DIR = REPO_DIR / "bench" / "results"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_url(database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{database}"


# --- Databases and settings -------------------------------------------------------------------


def fresh_database(database: str, sqlite_file: Path, pg_database: str) -> None:
    """An empty database: the SQLite file (and its -wal, -shm, -journal) deleted, or the
    PostgreSQL database dropped and created again."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {pg_database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {pg_database}")


def deploy_env(database: str, sqlite_file: Path, pg_database: str, **extra: str) -> dict[str, str]:
    """This process's environment with the production settings (northstar.settings.deploy,
    plain HTTP, a random secret key) on the given database, and `extra` variables."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "northstar.settings.deploy",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "NORTHSTAR_HTTPS": "0",
            "DATABASE_URL": pg_url(pg_database)
            if database == "postgres"
            else f"sqlite:///{sqlite_file}",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


# --- Timing ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    data = sorted(values)
    if not data:
        return float("nan")
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def rss_mib() -> float:
    """This process's peak resident set so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def kill_group(pid: int) -> None:
    """Stop a child started with start_new_session, with its own process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def measured(cmd: list[str], env: dict[str, str], timeout: float, cwd: Path = REPO_DIR) -> dict:
    """Run a command to its end; its wall time, its own peak RSS and CPU times (os.wait4) and
    its output. Killed (with its process group) after `timeout` seconds; RuntimeError if it
    fails."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=stdout, stderr=stderr, start_new_session=True
        )
        timer = threading.Timer(timeout, kill_group, (proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read().decode(errors="replace"), stderr.read().decode(errors="replace")
    result = {
        "wall_s": round(wall, 3),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "user_s": round(usage.ru_utime, 3),
        "system_s": round(usage.ru_stime, 3),
        "returncode": proc.returncode,
        "stdout": out,
        "stderr": err,
    }
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited {proc.returncode} after {wall:.1f} s:\n{err[-3000:] or out[-3000:]}"
        )
    return result


# --- gunicorn as deployed ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn as scripts/serve runs it, on a free local port; always stopped by stop()."""

    def __init__(
        self, env: dict[str, str], workers: int, log_path: Path, ready_path: str = "/"
    ) -> None:
        self.env = env
        self.workers = workers
        self.log_path = log_path
        self.ready_path = ready_path  # answered 200 once the workers serve
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.base_url = f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 60.0) -> None:
        import httpx

        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "northstar.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "--chdir",
                str(REPO_DIR),
                # As scripts/serve runs it (access log included), with -w from --workers.
                "--access-logfile",
                "-",
                "--forwarded-allow-ips",
                "127.0.0.1",
                # Not the shared ~/.gunicorn/gunicorn.ctl of another gunicorn on this machine.
                "--no-control-socket",
            ],
            env=self.env,
            cwd=REPO_DIR,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a Ctrl-C here is handled by stop()
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}{self.ready_path}", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"gunicorn not ready after {ready_timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started
                self.proc.wait(timeout=5)
        self.log.close()
        self.proc = None


# --- The machine -------------------------------------------------------------------------------


def machine_info(*packages: str) -> dict:
    """CPU, memory, platform, Python, Django, the versions of `packages`, and the commit (with
    whether the working tree had changes: the figures are for the tree as it was)."""
    import importlib

    import django

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=REPO_DIR,
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "", None
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        **{name: importlib.import_module(name).__version__ for name in packages},
        "git_commit": commit,
        "git_uncommitted_changes": dirty,
    }
