"""The cache layer: typed wrappers over ``st.cache_data`` and ``st.cache_resource``.

Which decorator to use:

* ``cached_data`` for *values* computed from hashable arguments: query results,
  aggregates, small frames. Streamlit pickles the result and returns a fresh copy
  on every hit, so keep results small (thousands of rows, not millions): a 1M-row
  frame costs ~70 ms to unpickle on every rerun. Never pass a large DataFrame *in*
  either: above 50k rows Streamlit hashes only a sample of it, so two different
  frames can share a cache entry. Pass the filter values instead and let the
  engine do the work.
* ``cached_resource`` for *objects* shared by every session without copying:
  database connections, engines, clients, models, read-only lookup tables. They
  must be thread-safe and must never be mutated per user.
* ``per_user=True`` on ``cached_data`` for anything derived from who is asking.
  The user's identity becomes part of the cache key, so one user's entry can
  never be returned to another. Called where nobody is asking (a thread started
  without Streamlit's script-run context), it raises ``NoUserError`` instead of
  falling back to a key every caller would share.

TTL and ``max_entries`` come from ``Settings.cache`` per namespace, read when a
function is first called. Namespaces can be cleared by name (``clear("queries")``)
and each function keeps hit/miss counts and time spent (``stats()``). The server
also publishes Streamlit's own cache metrics at ``/_stcore/metrics`` for scraping.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar, cast

import streamlit as st

from .settings import CachePolicy, get_settings

P = ParamSpec("P")
R = TypeVar("R")

USER_SCOPE_ARG = "cache_user_scope"
"""Keyword argument through which the user's identity enters the cache key."""


class NoUserError(RuntimeError):
    """A per-user cached function was called where no user or session is known."""


@dataclass(frozen=True)
class FunctionStats:
    """A snapshot of one cached function's counters."""

    namespace: str
    name: str
    kind: str
    calls: int
    hits: int
    misses: int
    errors: int
    compute_ms: float
    total_ms: float

    @property
    def hit_rate(self) -> float:
        return self.hits / self.calls if self.calls else 0.0


class _Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.calls = self.misses = self.errors = 0
        self.compute_s = self.total_s = 0.0


class CachedFunction(Generic[P, R]):
    """A function cached by Streamlit under a named namespace, with stats."""

    def __init__(
        self,
        func: Callable[P, R],
        *,
        kind: str,
        namespace: str,
        per_user: bool = False,
        show_spinner: bool | str = False,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.func = func
        self.kind = kind
        self.namespace = namespace
        self.per_user = per_user
        self.show_spinner = show_spinner
        self.options = options or {}
        self.name = f"{func.__module__}.{func.__qualname__}"
        self._counters = _Counters()
        self._cached: Callable[..., R] | None = None
        self._build_lock = threading.Lock()
        functools.update_wrapper(self, func)

    @property
    def policy(self) -> CachePolicy:
        """The TTL and size limit this function gets from the settings."""
        return get_settings().cache.policy(self.namespace)

    def _build(self) -> Callable[..., R]:
        counters = self._counters
        func = self.func

        @functools.wraps(func)
        def compute(*args: Any, **kwargs: Any) -> R:
            # Runs only on a cache miss; the user scope only shaped the key.
            kwargs.pop(USER_SCOPE_ARG, None)
            started = time.perf_counter()
            result = func(*args, **kwargs)
            with counters.lock:
                counters.misses += 1
                counters.compute_s += time.perf_counter() - started
            return result

        policy = self.policy
        limits: dict[str, Any] = {
            "ttl": policy.ttl_seconds,
            "max_entries": policy.max_entries,
            "show_spinner": self.show_spinner,
            **self.options,
        }
        if self.kind == "data":
            return cast(Callable[..., R], st.cache_data(**limits)(compute))
        return cast(Callable[..., R], st.cache_resource(**limits)(compute))

    def _cached_function(self) -> Callable[..., R]:
        if self._cached is None:
            with self._build_lock:
                if self._cached is None:
                    self._cached = self._build()
        return self._cached

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        cached = self._cached_function()
        if self.per_user:
            kwargs[USER_SCOPE_ARG] = current_user_key()
        started = time.perf_counter()
        try:
            return cached(*args, **kwargs)
        except BaseException:
            with self._counters.lock:
                self._counters.errors += 1
            raise
        finally:
            with self._counters.lock:
                self._counters.calls += 1
                self._counters.total_s += time.perf_counter() - started

    def clear(self) -> None:
        """Drop every cached entry of this function."""
        if self._cached is not None:
            self._cached.clear()  # type: ignore[attr-defined]

    def reload_policy(self) -> None:
        """Re-read TTL and limits from the settings at the next call."""
        self.clear()
        with self._build_lock:
            self._cached = None

    def stats(self) -> FunctionStats:
        c = self._counters
        with c.lock:
            return FunctionStats(
                namespace=self.namespace,
                name=self.name,
                kind=self.kind,
                calls=c.calls,
                hits=max(c.calls - c.misses - c.errors, 0),
                misses=c.misses,
                errors=c.errors,
                compute_ms=c.compute_s * 1000,
                total_ms=c.total_s * 1000,
            )

    def reset_stats(self) -> None:
        with self._counters.lock:
            self._counters.reset()


_REGISTRY: dict[str, list[CachedFunction[..., Any]]] = {}
_REGISTRY_LOCK = threading.Lock()


def _register(cached: CachedFunction[P, R]) -> CachedFunction[P, R]:
    with _REGISTRY_LOCK:
        functions = _REGISTRY.setdefault(cached.namespace, [])
        # Re-executed modules (Streamlit reruns page scripts) replace their old entry.
        functions[:] = [f for f in functions if f.name != cached.name]
        functions.append(cached)
    return cached


def cached_data(
    namespace: str = "queries",
    *,
    per_user: bool = False,
    show_spinner: bool | str = False,
    **options: Any,
) -> Callable[[Callable[P, R]], CachedFunction[P, R]]:
    """Cache a function's *result* (``st.cache_data``) under ``namespace``.

    Use for values computed from small, hashable arguments. Hits return a copy.
    ``per_user=True`` adds the current user's identity to the key. Extra
    ``options`` (``hash_funcs``, ``persist``...) go to ``st.cache_data``.
    """

    def decorate(func: Callable[P, R]) -> CachedFunction[P, R]:
        return _register(
            CachedFunction(
                func,
                kind="data",
                namespace=namespace,
                per_user=per_user,
                show_spinner=show_spinner,
                options=options,
            )
        )

    return decorate


def cached_resource(
    namespace: str = "resources",
    *,
    show_spinner: bool | str = False,
    **options: Any,
) -> Callable[[Callable[P, R]], CachedFunction[P, R]]:
    """Share one *object* across all sessions (``st.cache_resource``), never copied.

    Use for connections, clients and read-only shared objects. The object must be
    thread-safe. Extra ``options`` (``validate``, ``on_release``...) go to
    ``st.cache_resource``.
    """

    def decorate(func: Callable[P, R]) -> CachedFunction[P, R]:
        return _register(
            CachedFunction(
                func,
                kind="resource",
                namespace=namespace,
                show_spinner=show_spinner,
                options=options,
            )
        )

    return decorate


def current_user_key() -> str:
    """Who is asking: the signed-in user, else the browser session.

    With authentication configured (``st.login``) the key is the user's stable
    identity, so a user's entries survive a reload. Without it every session is
    its own user: per-user data is then never shared between sessions. With
    neither (no script-run context: a worker thread, a script outside Streamlit)
    there is no safe key, so this raises ``NoUserError``.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        raise NoUserError(
            "A per-user cached function was called outside a Streamlit session (for "
            "example from a worker thread), so there is no user to key it by. Call it "
            "from the page script, or start the thread with "
            "streamlit.runtime.scriptrunner.add_script_run_ctx(thread)."
        )
    if st.user.get("is_logged_in"):
        identity = st.user.get("sub") or st.user.get("email")
        if identity:
            return f"user:{identity}"
    return f"session:{ctx.session_id}"


def functions(namespace: str | None = None) -> list[CachedFunction[..., Any]]:
    """The registered cached functions, of one namespace or all."""
    with _REGISTRY_LOCK:
        if namespace is not None:
            return list(_REGISTRY.get(namespace, []))
        return [f for group in _REGISTRY.values() for f in group]


def namespaces() -> list[str]:
    with _REGISTRY_LOCK:
        return sorted(_REGISTRY)


def clear(namespace: str | None = None) -> int:
    """Clear one namespace, or every namespace; returns how many functions were cleared."""
    cleared = functions(namespace)
    for cached in cleared:
        cached.clear()
    return len(cleared)


def stats(namespace: str | None = None) -> list[FunctionStats]:
    return [f.stats() for f in functions(namespace)]


def reset_stats() -> None:
    for cached in functions():
        cached.reset_stats()


def reload_policies() -> None:
    """Apply changed cache settings: every function rebuilds its cache on next call."""
    for cached in functions():
        cached.reload_policy()
