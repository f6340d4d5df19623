"""Post-generation hook: set up the chosen data source and sign-in, and remove the others.

Which file belongs to which option is data (``OWNED_FILES``), and so are each
option's dependencies (``DEPENDENCIES``); the functions below only apply those
tables. Cookiecutter copies this file to a temporary directory and runs it in the
new project, so it imports nothing but the standard library (and, by path, the
project's own sample-data module).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

ANSWERS = {
    "project_slug": "{{ cookiecutter.project_slug }}",
    "package_name": "{{ cookiecutter.package_name }}",
    "data_source": "{{ cookiecutter.data_source }}",
    "python_version": "{{ cookiecutter.python_version }}",
    "sample_rows": "{{ cookiecutter.sample_rows }}",
    "auth": "{{ cookiecutter.auth }}",
    # urlencoded: a path may hold quotes or backslashes that would break this file
    "dataset_path": unquote("{{ cookiecutter.dataset_path | default('') | urlencode }}"),
}

ALL_SOURCES = frozenset({"duckdb", "postgres", "snowflake", "s3", "rest_api"})
SQL_SOURCES = frozenset({"duckdb", "postgres", "snowflake", "s3"})

# Files and folders (relative to the project, ``{package}`` filled in) kept only for
# these options; an empty set means the path is removed after ``MOVED_FILES`` ran.
OWNED_FILES: dict[str, frozenset[str]] = {
    "src/{package}/data/sql.py": SQL_SOURCES,
    "src/{package}/data/duckdb_source.py": frozenset({"duckdb"}),
    "src/{package}/data/postgres_source.py": frozenset({"postgres"}),
    "src/{package}/data/snowflake_source.py": frozenset({"snowflake"}),
    "src/{package}/data/s3_source.py": frozenset({"s3"}),
    "src/{package}/data/rest_api_source.py": frozenset({"rest_api"}),
    "src/{package}/data/reference_api.py": frozenset({"rest_api"}),
    "src/{package}/data/seeds": frozenset(),
    "locks": frozenset(),
    "tests/test_duckdb_source.py": frozenset({"duckdb"}),
    "tests/test_own_data.py": frozenset({"duckdb"}),
    # Generated tables vs a pandas oracle: on the embedded engine and on real PostgreSQL.
    "tests/test_any_table.py": frozenset({"duckdb", "postgres"}),
    "tests/test_postgres_source.py": frozenset({"postgres"}),
    "tests/postgres_server.py": frozenset({"postgres"}),
    "tests/test_snowflake_source.py": frozenset({"snowflake"}),
    "tests/snowflake_server.py": frozenset({"snowflake"}),
    "tests/test_s3_source.py": frozenset({"s3"}),
    "tests/s3_server.py": frozenset({"s3"}),
    "tests/test_rest_api_source.py": frozenset({"rest_api"}),
    "tests/failing_servers.py": ALL_SOURCES - {"duckdb"},
}

ALL_AUTH = frozenset({"none", "oidc", "trusted_header"})
SIGN_IN = ALL_AUTH - {"none"}

# The same for the ``auth`` answer: each sign-in option's files (``auth=none`` adds none).
AUTH_OWNED_FILES: dict[str, frozenset[str]] = {
    "src/{package}/auths": frozenset(),
    "src/{package}/access.py": SIGN_IN,
    "tests/test_access.py": SIGN_IN,
    "tests/test_sign_in.py": SIGN_IN,
    "src/{package}/proxy_guard.py": frozenset({"trusted_header"}),
    "tests/test_trusted_proxy.py": frozenset({"trusted_header"}),
    # N replicas behind HAProxy, and the load test through it with 10 users' identities.
    "benchmarks/replicas.py": frozenset({"trusted_header"}),
    "tests/test_replicas.py": frozenset({"trusted_header"}),
    "tests/oidc_provider.py": frozenset({"oidc"}),
    "tests/e2e/test_oidc_login.py": frozenset({"oidc"}),
}
AUTH_MOVED_FILES: dict[str, dict[str, str]] = {
    option: {"src/{package}/auths/" + option + ".py": "src/{package}/auth.py"} for option in SIGN_IN
}
AUTH_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    # What st.login needs (streamlit[auth]); 1.5 is the lowest the tests' provider takes.
    "oidc": ("Authlib>=1.5.0",),
}
AUTH_DEV_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    # The tests' local OpenID Connect provider (tests/oidc_provider.py).
    "oidc": ("oidc-provider-mock>=0.3",),
}

# Files each option moves into place (from -> to) before the others are removed.
# (No f-strings with doubled braces here: cookiecutter renders this file with Jinja.)
MOVED_FILES: dict[str, dict[str, str]] = {
    option: {"src/{package}/data/seeds/" + option + ".py": "src/{package}/data/seed.py"}
    for option in ALL_SOURCES
}

# The uv.lock of each set of answers that changes the dependencies (written by
# scripts/lock_dependencies.py), made for a project named LOCKED_NAME; the hook gives
# the project's own entry its name.
LOCKED_NAME = "sales-insights"

# Runtime dependencies each option adds to pyproject.toml.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "duckdb": ("duckdb>=2.0", "pyarrow>=18"),
    # duckdb: the local rollup that answers slider moves without querying the warehouse
    "postgres": ("duckdb>=2.0", "psycopg[binary]>=3.2.2", "sqlalchemy>=2.0"),
    "snowflake": ("duckdb>=2.0", "snowflake-connector-python[pandas]>=3.14.1"),
    "s3": ("duckdb>=2.0", "pyarrow>=18"),
    "rest_api": ("httpx>=0.23.1", "tenacity>=8.0"),
}

# What each option's own tests need on top (the `dev` extra): the local engines.
DEV_DEPENDENCIES: dict[str, tuple[str, ...]] = {
    # fakesnow 0.12 imports connector modules that snowflake-connector-python 5 removed;
    # 0.12.0 cannot return results of more than one Arrow batch.
    "snowflake": ("fakesnow[server]>=0.12.1", "snowflake-connector-python<5"),
    "s3": ("boto3>=1.28", "moto[server]>=5.2.5"),
}

# Options that ship the sample dataset as local files.
LOCAL_SAMPLE = frozenset({"duckdb"})

# What a developer does before the first `streamlit run`, per option.
SETUP_STEPS: dict[str, tuple[str, ...]] = {
    "postgres": (
        "cp .streamlit/secrets.toml.example .streamlit/secrets.toml",
        "# fill in [connections.postgres] in .streamlit/secrets.toml",
        "python -m {package}.data.seed   # create the table and load the sample",
    ),
    "snowflake": (
        "cp .streamlit/secrets.toml.example .streamlit/secrets.toml",
        "# fill in [connections.snowflake] in .streamlit/secrets.toml",
        "python -m {package}.data.seed   # create the table and load the sample",
    ),
    "s3": (
        "cp .streamlit/secrets.toml.example .streamlit/secrets.toml",
        "# fill in [connections.s3] in .streamlit/secrets.toml",
        "python -m {package}.data.seed   # upload the sample as Parquet",
    ),
    "rest_api": (
        "cp .streamlit/secrets.toml.example .streamlit/secrets.toml",
        "# fill in [connections.rest_api] in .streamlit/secrets.toml",
        "python -m {package}.data.seed & # serve the sample through the reference API",
    ),
}

# The `[connections.*]` table each option appends to .streamlit/secrets.toml.example.
# Placeholders only: real credentials belong in the gitignored secrets.toml.
CONNECTION_SECRETS: dict[str, str] = {
    "postgres": """
# The PostgreSQL server. Environment variables {env}CONNECTION__<KEY> win over
# these keys. Fill a local server with the sample data: python -m {package}.data.seed
[connections.postgres]
host = "localhost"
port = 5432
database = "analytics"
username = "streamlit_app"  # a role that can SELECT from the table is enough
password = "change-me"
# connect_timeout_seconds = 5
""",
    "snowflake": """
# The Snowflake account (passed to snowflake.connector.connect). Environment
# variables {env}CONNECTION__<KEY> win over these keys.
# Fill a database with the sample data: python -m {package}.data.seed
[connections.snowflake]
account = "myorg-myaccount"  # <organization>-<account name>
user = "STREAMLIT_APP"
password = "change-me"
database = "ANALYTICS"
schema = "PUBLIC"
warehouse = "COMPUTE_WH"
# role = "REPORTING"
# login_timeout = 10   # seconds for the whole login
# socket_timeout = 60  # seconds for each request
""",
    "s3": """
# The bucket holding the Parquet dataset. Environment variables
# {env}CONNECTION__<KEY> win over these keys.
# Upload the sample dataset: python -m {package}.data.seed
[connections.s3]
bucket = "my-analytics-bucket"
prefix = "sales/"
region = "us-east-1"
# endpoint_url = "http://127.0.0.1:9000"  # MinIO or another S3-compatible store
# Leave both keys out to use the AWS credential chain (env, ~/.aws, instance role).
# access_key_id = "change-me"
# secret_access_key = "change-me"
# connect_timeout_seconds = 5
""",
    "rest_api": """
# The data API (see "Reference API" in README.md). Environment variables
# {env}CONNECTION__<KEY> win over these keys.
# Serve the sample dataset locally: python -m {package}.data.seed
[connections.rest_api]
base_url = "http://127.0.0.1:8765"
token = "change-me"
# retries = 3  # extra attempts on timeouts, 429 and 5xx, with exponential backoff
# page_size = 500
# connect_timeout_seconds = 5
""",
}


ACCESS_SECRETS = """
# Row-level access: which values of which dimensions each user or group may see.
# Environment variables {env}ACCESS__USERS / {env}ACCESS__GROUPS (JSON) win over
# these tables. A signed-in user no rule matches sees no data; the group "*" holds
# every signed-in user; ["*"] grants every value of a dimension; a rule that grants
# no dimension shows every row.
# [app.access]
# groups_claim = "groups"  # the st.user key that lists the viewer's groups
# [app.access.users."alice@example.com"]
# region = ["Western Europe", "Northern Europe"]
# [app.access.groups.finance]
# region = ["*"]
# [app.access.groups."*"]  # every signed-in user sees every row (rule without grants)
"""

# What each sign-in option appends to .streamlit/secrets.toml.example.
AUTH_SECRETS: dict[str, str] = {
    "oidc": """
# Sign-in with your OpenID Connect provider (st.login). Register redirect_uri with
# the provider; every replica needs the same cookie_secret (it signs the identity
# cookie). Make one: python -c "import secrets; print(secrets.token_urlsafe(32))"
[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "change-me"
client_id = "change-me"
client_secret = "change-me"
server_metadata_url = "https://accounts.example.com/.well-known/openid-configuration"
# [auth.client_kwargs]
# scope = "openid email profile groups"  # to get a groups claim
"""
    + ACCESS_SECRETS,
    "trusted_header": """
# The sign-in proxy in front of the app sends this secret in the X-Proxy-Secret
# header of every request (docs/deploying.md shows an HAProxy configuration); the app
# (python asgi.py) refuses requests without it or from other addresses.
# Environment variables {env}PROXY__<KEY> win over these keys.
[app.proxy]
secret = "change-me-to-a-long-random-string"
# addresses = ["127.0.0.1/32", "10.0.0.0/8"]  # where the proxy connects from
# sign_in_url = "/oauth2/start"
# sign_out_url = "/oauth2/sign_out"
"""
    + ACCESS_SECRETS,
}


class HookError(RuntimeError):
    """A post-generation step failed; the message says which and why."""


def files_to_move(
    chosen: str, package: str, moved: dict[str, dict[str, str]] = MOVED_FILES
) -> dict[str, str]:
    """``{from: to}`` for the files ``chosen`` moves into place."""
    return {
        source.format(package=package): target.format(package=package)
        for source, target in moved.get(chosen, {}).items()
    }


def move_paths(project: Path, moves: dict[str, str]) -> None:
    for source, target in moves.items():
        if not (project / source).exists():
            raise HookError(f"{source} is missing from the template")
        (project / target).parent.mkdir(parents=True, exist_ok=True)
        (project / source).replace(project / target)


def files_to_remove(
    chosen: str, package: str, owned: dict[str, frozenset[str]] = OWNED_FILES
) -> list[str]:
    """Paths that belong only to options other than ``chosen``."""
    return sorted(
        path.format(package=package) for path, options in owned.items() if chosen not in options
    )


def lock_file(chosen: str, auth: str, python: str) -> str:
    """The template's lock for these answers: one per data source, sign-in option that
    adds dependencies (the others share ``none``'s) and Python floor (``requires-python``).
    """
    adds = auth in AUTH_DEPENDENCIES or auth in AUTH_DEV_DEPENDENCIES
    return "locks/" + "-".join([chosen, *([auth] if adds else []), "py" + python]) + ".lock"


def place_lock(project: Path, lock: str, slug: str) -> None:
    """Write the template's ``lock`` as ``uv.lock``, its own entry named ``slug``.

    Only the project's own entry depends on the other answers. uv finds packages by
    name, not by position, so the renamed entry may stay where the lock's sort put it.
    """
    source = project / lock
    if not source.exists():
        raise HookError(f"{source.relative_to(project)} is missing from the template")
    root = 'name = "' + LOCKED_NAME + '"\nversion = "0.1.0"\nsource = { editable = "." }\n'
    text = source.read_text(encoding="utf-8")
    if text.count(root) != 1:
        raise HookError(f"{source.name} has no single entry for the project itself")
    own = 'name = "' + slug + '"' + root[root.index("\n") :]
    (project / "uv.lock").write_text(text.replace(root, own), encoding="utf-8")


def remove_paths(project: Path, paths: list[str]) -> None:
    for relative in paths:
        target = project / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def add_dependencies(
    pyproject: Path, dependencies: tuple[str, ...], array: str = "dependencies"
) -> None:
    """Insert ``dependencies`` into the TOML array ``array`` (``dependencies`` or an
    extra such as ``dev``), keeping it sorted. The array must be written one item a line.
    """
    if not dependencies:
        return
    text = pyproject.read_text(encoding="utf-8")
    match = re.search(
        rf"^{re.escape(array)} = \[\n(?P<body>.*?)^\]", text, re.MULTILINE | re.DOTALL
    )
    if match is None:
        raise HookError(f"no `{array} = [` list found in {pyproject}")
    existing = re.findall(r'"([^"]+)"', match["body"])
    merged = sorted(set(existing) | set(dependencies), key=lambda dep: dep.lower())
    body = "".join(f'    "{dep}",\n' for dep in merged)
    pyproject.write_text(text[: match.start("body")] + body + text[match.end("body") :], "utf-8")


def connection_secrets(
    chosen: str, package: str, examples: dict[str, str] = CONNECTION_SECRETS
) -> str:
    """The ``[connections.*]`` (or sign-in) example for ``chosen`` ("" when it needs none)."""
    text = examples.get(chosen, "")
    return text.format(package=package, env=package.upper() + "_")


def append_text(path: Path, text: str) -> None:
    if text:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise HookError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_sample_data(project: Path, package: str, rows: int) -> Path:
    """Write the sample dataset with the project's own generator (Parquet, or CSV)."""
    sample = load_module(project / "src" / package / "data" / "sample.py", "_sample_data")
    return sample.write_sample(project / "data" / "sales.parquet", rows)


def dataset_settings(project: Path, package: str, dataset: str) -> tuple[str, bool]:
    """The ``.env`` lines that open the app on the team's data, and whether they pin columns.

    With the project's dependencies importable here (pytest-cookies, a prepared
    environment), the project's own ``data.describe`` infers the columns, which
    also proves the file reads; otherwise the app infers them when it starts.
    The data is only read: a CSV is converted into the project's ``.cache``.
    """
    path = str(Path(dataset).expanduser())
    described = subprocess.run(
        [sys.executable, "-m", f"{package}.data.describe", path],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project / "src")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if described.returncode == 0:
        return described.stdout, True
    if "ModuleNotFoundError" not in described.stderr:
        raise HookError(described.stderr.strip().splitlines()[-1])
    variable = package.upper() + "_DATA_PATH"
    quoted = "'" + path.replace("\\", "\\\\").replace("'", "\\'") + "'"  # .env single quotes
    hint = f"# Pin the columns: python -m {package}.data.describe >> .env (after installing)\n"
    return f"{variable}={quoted}\n{hint}", False


def write_dataset_settings(project: Path, package: str, dataset: str) -> bool:
    text, pinned = dataset_settings(project, package, dataset)
    header = "# Written by the template for dataset_path; .env stays on this machine.\n"
    (project / ".env").write_text(header + text, encoding="utf-8")
    return pinned


def next_steps(slug: str, data_note: str, setup: tuple[str, ...] = ()) -> str:
    steps = "".join(f"    {step}\n" for step in setup)
    return f"""
Created {slug}. {data_note}

Next steps:
    cd {slug}
    python -m venv .venv && . .venv/bin/activate
    pip install -e '.[dev]'         # or, exactly uv.lock: uv sync --locked --extra dev
{steps}    streamlit run streamlit_app.py  # the app
    pytest                          # the tests
"""


def run_step(name: str, step: Callable[[], object]) -> object:
    try:
        return step()
    except Exception as error:
        raise HookError(f"post-generation step '{name}' failed: {error}") from error


def set_up_sign_in(project: Path, chosen: str, package: str) -> None:
    """Put the ``auth`` option's files, dependencies and secrets example in place."""
    run_step(
        "move the sign-in option's files into place",
        lambda: move_paths(project, files_to_move(chosen, package, AUTH_MOVED_FILES)),
    )
    run_step(
        "remove files of other sign-in options",
        lambda: remove_paths(project, files_to_remove(chosen, package, AUTH_OWNED_FILES)),
    )
    pyproject = project / "pyproject.toml"
    run_step(
        "add sign-in dependencies",
        lambda: add_dependencies(pyproject, AUTH_DEPENDENCIES.get(chosen, ())),
    )
    run_step(
        "add the sign-in option's test dependencies",
        lambda: add_dependencies(pyproject, AUTH_DEV_DEPENDENCIES.get(chosen, ()), "dev"),
    )
    run_step(
        "write the sign-in secrets example",
        lambda: append_text(
            project / ".streamlit" / "secrets.toml.example",
            connection_secrets(chosen, package, AUTH_SECRETS),
        ),
    )


def main(project: Path | None = None) -> None:
    project = project or Path.cwd()
    chosen, package = ANSWERS["data_source"], ANSWERS["package_name"]
    run_step(
        "move the data source's files into place",
        lambda: move_paths(project, files_to_move(chosen, package)),
    )
    run_step(
        "put the lock file in place",
        lambda: place_lock(
            project,
            lock_file(chosen, ANSWERS["auth"], ANSWERS["python_version"]),
            ANSWERS["project_slug"],
        ),
    )
    run_step(
        "remove files of other data sources",
        lambda: remove_paths(project, files_to_remove(chosen, package)),
    )
    run_step(
        "add data-source dependencies",
        lambda: add_dependencies(project / "pyproject.toml", DEPENDENCIES.get(chosen, ())),
    )
    run_step(
        "add the data source's test dependencies",
        lambda: add_dependencies(
            project / "pyproject.toml", DEV_DEPENDENCIES.get(chosen, ()), "dev"
        ),
    )
    run_step(
        "write the connection secrets example",
        lambda: append_text(
            project / ".streamlit" / "secrets.toml.example",
            connection_secrets(chosen, package),
        ),
    )
    set_up_sign_in(project, ANSWERS["auth"], package)
    data_note = ""
    dataset = ANSWERS["dataset_path"]
    if dataset:
        pinned = run_step(
            "read your dataset", lambda: write_dataset_settings(project, package, dataset)
        )
        data_note = f"Data: {dataset} (DATA_PATH in .env{', columns pinned' if pinned else ''})."
    elif chosen in LOCAL_SAMPLE:
        rows = int(ANSWERS["sample_rows"].replace("_", ""))
        written = run_step("write sample data", lambda: write_sample_data(project, package, rows))
        data_note = f"Sample data: {rows:,} rows in {Path(written).relative_to(project)}."
    setup = tuple(step.format(package=package) for step in SETUP_STEPS.get(chosen, ()))
    print(next_steps(ANSWERS["project_slug"], data_note, setup))


if __name__ == "__main__":
    try:
        main()
    except HookError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        sys.exit(1)
