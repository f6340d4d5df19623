"""Serve the sample dataset through the reference API, in one command.

    python -m {{ cookiecutter.package_name }}.data.seed [--rows N]

Listens where ``base_url`` of ``[connections.rest_api]`` (or the
``*_CONNECTION__BASE_URL`` environment variable) points, on loopback by default, and
accepts that section's ``token``, so ``streamlit run streamlit_app.py`` in
another terminal reads from it. Stop it with Ctrl+C.
"""

from __future__ import annotations

import argparse

from {{ cookiecutter.package_name }}.data import reference_api
from {{ cookiecutter.package_name }}.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default={{ cookiecutter.sample_rows }})
    parser.add_argument("--host", default=None, help="default: the host of base_url")
    args = parser.parse_args(argv)
    connection = get_settings().connection
    host = args.host or connection.base_url.host or "127.0.0.1"
    port = connection.base_url.port or 80
    server = reference_api.make_server(args.rows, connection.token.get_secret_value(), host, port)
    print(f"serving {args.rows:,} sample rows at {server.url} (Ctrl+C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
