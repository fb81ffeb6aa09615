"""A real PostgreSQL for the team-mode tests: pgserver (PyPI) started once per test session.

`PgServer.start()` runs this file as a small holder process that calls
`pgserver.get_server(pgdata)` with its default cleanup ('stop'), prints the socket
folder and then waits for its stdin to close. When the test session ends (or dies: the
pipe closes either way) the holder exits and pgserver's exit hook stops PostgreSQL, so no
postmaster outlives the tests.

PostgreSQL refuses to run as root. pgserver, run as root, would `useradd` a system user
and chmod every parent folder of its data and binaries. Instead, as root the holder is
started as an unprivileged user that exists already (`nobody`, or NEWSVAULT_TEST_PG_USER)
with its data in a fresh /tmp folder that user owns, so pgserver takes its ordinary
non-root path and nothing on the machine changes. The holder drops root itself after its
imports (the interpreter may live where that user cannot read, as under /root/.pyenv).
As any other user it simply runs as that user.

A test gets its own database from `PgServer.new_database()`: a libpq URI
`postgresql://postgres@/<db>?host=<socket folder>`.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

SUPERUSER = "postgres"  # pgserver's initdb user; local connections are trusted
START_TIMEOUT = 60.0


def missing_reason() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None when they can."""
    # Only looked up here: importing pgserver reads XDG_RUNTIME_DIR (the holder sets it).
    if importlib.util.find_spec("pgserver") is None:
        return ("pgserver cannot be imported; install the test extra "
                "(pip install -e '.[test]') to run the PostgreSQL tests")
    return None


def uri(socket_dir: str, database: str) -> str:
    return f"postgresql://{SUPERUSER}@/{database}?host={socket_dir}"


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The account the holder runs as: None when we are not root (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("NEWSVAULT_TEST_PG_USER", "nobody")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise RuntimeError(f"running as root, the PostgreSQL tests need an unprivileged user "
                           f"{name!r} to run the server as; set NEWSVAULT_TEST_PG_USER to "
                           "an existing one") from None


class PgServer:
    """One PostgreSQL for the test session, and a fresh database per test."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nv-pg-"))  # short: socket paths are limited
        self.socket_dir = ""
        self._proc: subprocess.Popen[str] | None = None
        self._numbers = itertools.count(1)

    def start(self) -> PgServer:
        user = _unprivileged_user()
        # root/run: pgserver's lock folder, ours until the holder's imports are done (the
        # runtime-folder checks want it and its parents owned by the importing user);
        # root/data: the server's, where pgserver makes pgdata.
        self.root.chmod(0o711)
        (self.root / "run").mkdir(mode=0o700)
        (self.root / "data").mkdir(mode=0o700)
        if user is not None:
            os.chown(self.root / "data", user.pw_uid, user.pw_gid)
        env = {**os.environ, "HOME": str(self.root), "PYTHONDONTWRITEBYTECODE": "1",
               "XDG_RUNTIME_DIR": str(self.root / "run"),
               "NV_PG_RUN_AS": user.pw_name if user else ""}
        self._proc = subprocess.Popen(
            [sys.executable, __file__, str(self.root / "data" / "pgdata")], cwd=self.root, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._proc.stdout.readline().strip() if self._proc.stdout else ""
        if not line.startswith("socket "):
            self.stop()
            log = self.root / "data" / "pgdata" / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"pgserver did not start (holder said {line!r})\n{tail}")
        self.socket_dir = line.removeprefix("socket ")
        return self

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()  # the holder exits; pgserver stops PostgreSQL
            try:
                self._proc.wait(START_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.terminate()
                self._proc.wait(10)
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self):
        import psycopg

        return psycopg.connect(uri(self.socket_dir, "postgres"), autocommit=True)

    def new_database(self) -> tuple[str, str]:
        """A fresh, empty database: (name, libpq URI)."""
        name = f"nv_test_{os.getpid()}_{next(self._numbers)}"
        with self.admin() as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return name, uri(self.socket_dir, name)

    def drop_database(self, name: str) -> None:
        with self.admin() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _hold(pgdata: str) -> None:
    """The holder process: start (or reuse) the server, report its socket, wait for EOF."""
    import pgserver  # imported before dropping root: the interpreter may live in /root

    run_as = os.environ.get("NV_PG_RUN_AS")
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chown(os.environ["XDG_RUNTIME_DIR"], user.pw_uid, user.pw_gid)  # pgserver's lock
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)
        initdb = Path(pgserver.__file__).parent / "pginstall" / "bin" / "initdb"
        if not os.access(initdb, os.X_OK):
            print(f"error: user {run_as} cannot run {initdb}: a folder above it is private; "
                  "make the folders readable (chmod o+rx) or set NEWSVAULT_TEST_PG_USER",
                  flush=True)
            sys.exit(1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # exit hooks run: server stops
    server = pgserver.get_server(pgdata)
    print(f"socket {server.get_postmaster_info().socket_dir}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    _hold(sys.argv[1])
