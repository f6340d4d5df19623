"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp cluster, loopback.

``initdb`` makes a cluster in a temporary directory with password (SCRAM)
authentication, and ``pg_ctl`` starts it on 127.0.0.1 on a free port with no
Unix socket outside that directory. PostgreSQL refuses to run as root, so under
root the cluster belongs to the ``postgres`` user (created by Debian's package)
and every server command runs through ``runuser``.

Install the server with ``apt-get install postgresql`` (or set ``PG_BINDIR`` to a
directory holding ``initdb`` and ``pg_ctl``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "app_owner"
PASSWORD = "test-only-password"
DATABASE = "postgres"


def find_bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` live: ``PG_BINDIR``, Debian's layout, or ``PATH``."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    candidates.extend(reversed(debian))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install them with "
        "`apt-get install postgresql` or set PG_BINDIR."
    )


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    database: str

    def env(self) -> dict[str, str]:
        """Settings variables (without the prefix) that point the app at this server."""
        return {
            "CONNECTION__HOST": self.host,
            "CONNECTION__PORT": str(self.port),
            "CONNECTION__DATABASE": self.database,
            "CONNECTION__USERNAME": self.user,
            "CONNECTION__PASSWORD": self.password,
        }

    def connection(self) -> dict[str, object]:
        """The same, as a ``Settings.connection`` table."""
        return {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "username": self.user,
            "password": self.password,
        }


def _runner() -> tuple[list[str], pwd.struct_passwd | None]:
    """How to run server commands: as ourselves, or as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            account = pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"], account
    raise RuntimeError("running as root, but there is no 'postgres' user to run PostgreSQL as")


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """Start a fresh cluster, yield how to reach it, then stop and delete it."""
    bindir = find_bindir()
    prefix, account = _runner()
    root = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
    data, log, pwfile = root / "data", root / "server.log", root / "pwfile"
    pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
    if account is not None:
        for path in (root, pwfile):
            os.chown(path, account.pw_uid, account.pw_gid)
    port = free_port()

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    try:
        run(
            str(bindir / "initdb"),
            "-D", str(data),
            "-U", USER,
            "--pwfile", str(pwfile),
            "--auth", "scram-sha-256",
            "-E", "UTF8",
            "--no-locale",
            "--no-sync",
        )  # fmt: skip
        run(
            str(bindir / "pg_ctl"),
            "-D", str(data),
            "-l", str(log),
            "-w",
            "-t", "60",
            "-o", f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off",
            "start",
        )  # fmt: skip
    except subprocess.CalledProcessError as error:
        server_log = log.read_text(encoding="utf-8") if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(
            f"PostgreSQL did not start: {error.stderr.decode(errors='replace')}\n{server_log}"
        ) from error
    try:
        yield PostgresServer("127.0.0.1", port, USER, PASSWORD, DATABASE)
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
