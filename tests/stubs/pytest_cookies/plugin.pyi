# Types for the part of pytest-cookies the template's tests use (conftest.bake): the
# package ships no annotations. Mirrors pytest_cookies/plugin.py of pytest-cookies 0.7.
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

class Result:
    exception: BaseException | None
    exit_code: str | int | None  # SystemExit.code when a hook exits, -1 on an exception
    context: dict[str, Any] | None
    def __init__(
        self,
        exception: BaseException | None = None,
        exit_code: str | int | None = 0,
        project_dir: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> None: ...
    @property
    def project_path(self) -> Path | None: ...

class Cookies:
    # The output folder and the config file may be any path objects: bake() str()s them.
    def __init__(
        self, template: str, output_factory: Callable[[str], object], config_file: object
    ) -> None: ...
    def bake(
        self, extra_context: Mapping[str, object] | None = None, template: str | None = None
    ) -> Result: ...
