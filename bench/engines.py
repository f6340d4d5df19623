"""One rendered project per data source, its engine running locally, loaded with the sample.

``Engine`` renders the template with ``data_source=<name>`` (default answers
otherwise), starts what that option reads from, exactly as the rendered
project's own tests start it, and loads ``rows`` rows of the sample dataset
with the project's own loader (``python -m <package>.data.seed --rows N``):

* ``duckdb``: a Parquet file (reused across runs, in ``--data-dir``);
* ``postgres``: a throwaway PostgreSQL cluster (``tests/postgres_server.py``);
* ``snowflake``: fakesnow's HTTP server, the real connector talking to it
  (``tests/snowflake_server.py``), in this process;
* ``s3``: moto in server mode with credentials enforced (``tests/s3_server.py``),
  in this process;
* ``rest_api``: the reference API the project ships, serving the sample (its
  seed command), in a process of its own.

``env()`` is what points the app at it: the project's settings variables.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("duckdb", "postgres", "snowflake", "s3", "rest_api")
PACKAGE = "sales_insights"  # the default answers' package name
ENV_PREFIX = PACKAGE.upper() + "_"
REST_TOKEN = "bench-only-token"
# moto answers a ranged GET by reading the whole object, so a scan costs requests x
# object size: at 20M rows (a 120 MB object, ~3,400 GETs for the rollup and the
# domain) the first run's queries take minutes, far past the app's 30 s default.
MOTO_QUERY_TIMEOUT_SECONDS = 1800
# The reference API answers in one pure-Python pass over its rows: at 20M rows the
# rollup and the domain take about 40 s each, past the same default.
REST_QUERY_TIMEOUT_SECONDS = 600

ENTRY = '''"""The project's app as the template's benchmark runs it (written by bench/engines.py).

It runs ``streamlit_app.py`` unchanged, then lets ``bench.probe`` count the queries
this process sends to its engine.
"""

import runpy
from pathlib import Path

from bench import probe

runpy.run_path(str(Path(__file__).with_name("streamlit_app.py")), run_name="__main__")
probe.watch({package!r})
'''


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def render(engine: str, work_dir: Path) -> Path:
    """The template rendered for ``engine`` (replacing an older rendering), with its entry."""
    out = work_dir / "projects" / engine
    if out.exists():
        shutil.rmtree(out)
    cookiecutter = Path(sys.executable).with_name("cookiecutter")
    done = subprocess.run(
        [
            str(cookiecutter),
            str(TEMPLATE_ROOT),
            "--no-input",
            "-f",
            "-o",
            str(out),
            f"data_source={engine}",
            "sample_rows=1000",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rendering {engine} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    (project,) = (path for path in out.iterdir() if path.is_dir())
    (project / "bench_entry.py").write_text(ENTRY.format(package=PACKAGE), encoding="utf-8")
    return project


def python_path(project: Path) -> str:
    """The rendered project (its ``src`` and its ``benchmarks``) and this template's ``bench``."""
    return os.pathsep.join(str(path) for path in (project / "src", project, TEMPLATE_ROOT))


def _load(path: Path) -> ModuleType:
    """A helper module of the rendered project's tests, imported by path."""
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Engine:
    """A rendered project and its running engine, for the length of a ``with`` block."""

    def __init__(self, name: str, rows: int, work_dir: Path, data_dir: Path) -> None:
        if name not in ENGINES:
            raise ValueError(f"unknown engine {name!r}; choose from {list(ENGINES)}")
        self.name = name
        self.rows = rows
        self.work_dir = work_dir
        self.data_dir = data_dir
        self.project = Path()
        self.settings: dict[str, str] = {}
        self._stack = ExitStack()

    def __enter__(self) -> Engine:
        started = time.perf_counter()
        self.project = render(self.name, self.work_dir)
        try:
            self.settings = self._start()
            log(f"{self.name}: rendered and started in {time.perf_counter() - started:.1f} s")
            self._load()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def env(self) -> dict[str, str]:
        """What the app and the project's commands need to reach the loaded data."""
        variables = {ENV_PREFIX + key: value for key, value in self.settings.items()}
        return {**variables, "PYTHONPATH": python_path(self.project)}

    def _start(self) -> dict[str, str]:
        tests = self.project / "tests"
        if self.name == "duckdb":
            return {}
        if self.name == "rest_api":
            return {
                "CONNECTION__BASE_URL": f"http://127.0.0.1:{_free_port()}",
                "CONNECTION__TOKEN": REST_TOKEN,
                "QUERY_TIMEOUT_SECONDS": str(REST_QUERY_TIMEOUT_SECONDS),
            }
        module = _load(tests / f"{self.name}_server.py")
        server = self._stack.enter_context(module.running_server())
        settings = dict(server.env())
        if self.name == "s3":
            self._stack.callback(_reset_moto, server.endpoint_url)  # before the server stops
            settings["QUERY_TIMEOUT_SECONDS"] = str(MOTO_QUERY_TIMEOUT_SECONDS)
        return settings

    # -- data ------------------------------------------------------------------------
    def _load(self) -> None:
        """Put the sample rows where the app reads them."""
        started = time.perf_counter()
        if self.name == "duckdb":
            self.settings["DATA_PATH"] = str(self.parquet(self.rows))
        elif self.name == "rest_api":
            self._serve_api(self.rows)
        else:
            self._seed(self.rows)
        log(f"{self.name}: {self.rows:,} rows loaded in {time.perf_counter() - started:.1f} s")

    def parquet(self, rows: int) -> Path:
        """The sample at ``rows`` rows as Parquet, written once by the project's seed."""
        path = self.data_dir / "parquet" / f"sales-{rows}.parquet"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            self._seed(rows, {"DATA_PATH": str(path)})
        return path

    def csv(self, rows: int) -> Path:
        """The same rows as CSV, for the pandas apps (converted once with DuckDB)."""
        import duckdb

        path = self.data_dir / "csv" / f"sales-{rows}.csv"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".tmp")
            with duckdb.connect() as connection:
                connection.read_parquet(str(self.parquet(rows))).write_csv(str(partial))
            partial.replace(path)
        return path

    def _seed(self, rows: int, settings: dict[str, str] | None = None) -> None:
        env = {**os.environ, **self.env()}
        env.update({ENV_PREFIX + key: value for key, value in (settings or {}).items()})
        done = subprocess.run(
            [sys.executable, "-m", f"{PACKAGE}.data.seed", f"--rows={rows}"],
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=6 * 3600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: seeding failed:\n{done.stderr[-3000:]}")

    def _serve_api(self, rows: int) -> None:
        """The reference API on the sample, in its own process (the seed command serves it)."""
        process = subprocess.Popen(
            [sys.executable, "-m", f"{PACKAGE}.data.seed", f"--rows={rows}"],
            cwd=self.project,
            env={**os.environ, **self.env()},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._stack.callback(_stop, process)
        assert process.stdout is not None
        line = process.stdout.readline().decode(errors="replace")  # "serving N sample rows at ..."
        if "serving" not in line:
            raise RuntimeError(f"rest_api: the reference API did not start: {line}")


def _reset_moto(endpoint: str) -> None:
    """Forget moto's users and buckets, which outlive its server in this process.

    Without it the next ``--rows`` value's server fails to create its IAM user
    (``EntityAlreadyExists``), and the last dataset's objects stay in memory.
    """
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
