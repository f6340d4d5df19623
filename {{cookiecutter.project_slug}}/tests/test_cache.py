"""The cache layer: stats, namespaces, TTL and limits from settings, per-user keys."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from {{ cookiecutter.package_name }} import cache
from {{ cookiecutter.package_name }}.settings import ENV_PREFIX

calls: list[str] = []


@cache.cached_data("test_a")
def double(x: int) -> int:
    calls.append(f"double({x})")
    return 2 * x


@cache.cached_data("test_b")
def triple(x: int) -> int:
    calls.append(f"triple({x})")
    return 3 * x


@cache.cached_data("test_user", per_user=True)
def private_note(topic: str) -> str:
    return f"note on {topic} for {cache.current_user_key()}"


@cache.cached_resource("test_resources")
def shared_object() -> dict[str, int]:
    return {"created": 1}


@pytest.fixture(autouse=True)
def _forget_calls() -> None:
    calls.clear()


def stats_of(function: cache.CachedFunction) -> cache.FunctionStats:
    return function.stats()


def test_hits_and_misses_are_counted() -> None:
    assert [double(2), double(2), double(3), double(2)] == [4, 4, 6, 4]
    stats = stats_of(double)
    assert (stats.calls, stats.hits, stats.misses, stats.errors) == (4, 2, 2, 0)
    assert stats.hit_rate == 0.5
    assert stats.compute_ms >= 0
    assert stats.total_ms >= stats.compute_ms
    assert calls == ["double(2)", "double(3)"]


def test_errors_are_counted_and_not_cached() -> None:
    attempts: list[int] = []

    @cache.cached_data("test_errors")
    def flaky(x: int) -> int:
        attempts.append(x)
        if len(attempts) == 1:
            raise ConnectionError("engine down")
        return x

    with pytest.raises(ConnectionError):
        flaky(1)
    assert flaky(1) == 1  # the failure was not cached: computed again
    stats = flaky.stats()
    assert (stats.calls, stats.errors, stats.misses, stats.hits) == (2, 1, 1, 0)


def test_clearing_one_namespace_leaves_the_others() -> None:
    double(1), triple(1)
    assert cache.clear("test_a") == 1
    double(1), triple(1)
    assert calls == ["double(1)", "triple(1)", "double(1)"]


def test_clearing_everything() -> None:
    double(5), triple(5)
    assert cache.clear() >= 2
    double(5), triple(5)
    assert calls.count("double(5)") == 2
    assert calls.count("triple(5)") == 2


def test_namespaces_and_stats_are_listed() -> None:
    double(1)
    assert {"test_a", "test_b", "test_user"} <= set(cache.namespaces())
    assert [s.name for s in cache.stats("test_a")] == [double.name]


def test_ttl_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CACHE__NAMESPACES__TEST_A__TTL_SECONDS", "0.3")
    cache.reload_policies()
    assert double.policy.ttl_seconds == 0.3
    double(7), double(7)
    assert calls == ["double(7)"]
    time.sleep(0.5)
    double(7)
    assert calls == ["double(7)", "double(7)"]


def test_max_entries_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}CACHE__NAMESPACES__TEST_B__MAX_ENTRIES", "2")
    cache.reload_policies()
    assert triple.policy.max_entries == 2
    for x in (1, 2, 3):  # 1 is evicted to make room for 3
        triple(x)
    triple(3), triple(1)
    assert calls == ["triple(1)", "triple(2)", "triple(3)", "triple(1)"]


def test_unknown_namespace_uses_the_default_policy() -> None:
    assert double.policy == double.policy.__class__()


def test_two_users_never_share_an_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "current_user_key", lambda: "user:alice")
    alice = private_note("budget")
    monkeypatch.setattr(cache, "current_user_key", lambda: "user:bob")
    bob = private_note("budget")
    assert alice == "note on budget for user:alice"
    assert bob == "note on budget for user:bob"
    monkeypatch.setattr(cache, "current_user_key", lambda: "user:alice")
    assert private_note("budget") == alice  # alice's own entry is reused
    stats = private_note.stats()
    assert (stats.misses, stats.hits) == (2, 1)


def test_outside_a_session_there_is_no_user() -> None:
    with pytest.raises(cache.NoUserError, match="outside a Streamlit session"):
        cache.current_user_key()


def test_a_per_user_call_from_a_worker_thread_raises_instead_of_sharing() -> None:
    outcomes: list[BaseException | str] = []

    def worker() -> None:
        try:
            outcomes.append(private_note("budget"))
        except cache.NoUserError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2
    assert all(isinstance(outcome, cache.NoUserError) for outcome in outcomes)
    assert private_note.stats().misses == 0  # nothing was computed, so nothing was shared


def test_resources_are_shared_not_copied() -> None:
    first = shared_object()
    first["created"] += 1
    assert shared_object() is first
    assert shared_object.stats().misses == 1


def test_data_results_are_copies() -> None:
    @cache.cached_data("test_copies")
    def numbers() -> list[int]:
        return [1, 2, 3]

    numbers().append(4)
    assert numbers() == [1, 2, 3]


def test_wrapped_function_keeps_its_name_and_doc() -> None:
    assert double.__name__ == "double"
    assert double.namespace == "test_a"
    assert double.kind == "data"


def _whoami_app() -> None:
    import streamlit as st

    from {{ cookiecutter.package_name }} import cache

    @cache.cached_data("test_user_app", per_user=True)
    def whoami() -> str:
        return cache.current_user_key()

    st.text(whoami())


def _run_as(user: dict[str, object] | None) -> str:
    app = AppTest.from_function(_whoami_app, default_timeout=30)
    if user is not None:
        app.user = user
    app.run()
    assert not app.exception
    return app.text[0].value


def test_signed_in_users_get_their_own_entries() -> None:
    alice = {"is_logged_in": True, "sub": "alice-id", "email": "alice@example.com"}
    bob = {"is_logged_in": True, "sub": "bob-id", "email": "bob@example.com"}
    assert _run_as(alice) == "user:alice-id"
    assert _run_as(bob) == "user:bob-id"
    assert _run_as(alice) == "user:alice-id"  # a second session of alice's


def _threads_app() -> None:
    import threading

    import streamlit as st
    from streamlit.runtime.scriptrunner import add_script_run_ctx

    from {{ cookiecutter.package_name }} import cache

    @cache.cached_data("test_user_threads", per_user=True)
    def whoami() -> str:
        return cache.current_user_key()

    answers: dict[str, str] = {}

    def ask(name: str) -> None:
        try:
            answers[name] = whoami()
        except cache.NoUserError:
            answers[name] = "refused"

    with_context = threading.Thread(target=ask, args=("with context",))
    add_script_run_ctx(with_context)  # the documented way to hand a thread the session
    without_context = threading.Thread(target=ask, args=("without context",))
    for thread in (with_context, without_context):
        thread.start()
        thread.join()
    st.text(f"{answers['with context']} | {answers['without context']} | {whoami()}")


def test_in_a_session_only_threads_given_its_context_get_per_user_data() -> None:
    app = AppTest.from_function(_threads_app, default_timeout=30).run()
    assert not app.exception
    assert app.text[0].value == "session:test session id | refused | session:test session id"


def test_without_login_each_session_is_its_own_user() -> None:
    # AppTest gives every run the same session id, so compare against it directly;
    # test_two_users_never_share_an_entry covers two different keys.
    assert _run_as({"is_logged_in": False}) == "session:test session id"
