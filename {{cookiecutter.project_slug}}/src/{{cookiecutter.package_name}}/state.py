"""Typed session state: declare a page's state as a class, read and write attributes.

    class ExploreState(PageState, namespace="explore"):
        dimension: str = "region"
        top_n: int = 10

    state = ExploreState()
    st.slider("Top N", 3, 50, **state.widget("top_n"))
    state.top_n  # -> int, always valid

Every field is stored in ``st.session_state`` under ``"<namespace>.<field>"``, so
two pages can both have a ``top_n`` without clashing. Assignments are validated
against the annotation, constraints included (``Annotated[int, Field(ge=3, le=50)]``):
a wrong value raises ``StateTypeError`` naming the field. Reads are validated too:
a stored value that no longer fits (written straight into ``st.session_state``, or
left by an older version of the app) is dropped and logged, and the default is
returned instead.

``widget(field)`` gives a widget its own key plus an ``on_change`` that copies the
widget's value into the field. The field outlives the widget: Streamlit deletes a
widget's key when the widget is not drawn (for example on another page), and the
next time the widget is drawn it starts from the field's value again.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, MutableMapping
from typing import Annotated, Any, ClassVar, cast, get_args, get_origin, get_type_hints

from pydantic import TypeAdapter, ValidationError

_MISSING = object()
_log = logging.getLogger(__name__)


class StateTypeError(TypeError):
    """A value of the wrong type was assigned to a state field."""


class _Field:
    def __init__(self, name: str, annotation: Any, default: Any) -> None:
        self.name = name
        self.annotation = annotation
        self.default = default
        self.adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def validate(self, owner: str, value: Any) -> Any:
        """``value`` if it fits the annotation; the message names its type, not the value."""
        try:
            return self.adapter.validate_python(value, strict=True)
        except ValidationError as error:
            annotation = self.annotation
            if get_origin(annotation) is Annotated:
                annotation = get_args(annotation)[0]
            expected = getattr(annotation, "__name__", None) or str(annotation)
            reason = error.errors()[0]["msg"]
            raise StateTypeError(
                f"{owner}.{self.name} expects {expected}, got {type(value).__name__}: {reason}"
            ) from None

    def fits(self, owner: str, value: Any) -> bool:
        try:
            self.validate(owner, value)
        except StateTypeError as error:
            _log.warning("Ignored an invalid session-state value: %s", error)
            return False
        return True

    def __get__(self, instance: PageState | None, owner: type) -> Any:
        if instance is None:
            return self
        return instance._read(self)

    def __set__(self, instance: PageState, value: Any) -> None:
        instance._write(self, value)


class PageState:
    """Base class for typed, namespaced session state."""

    namespace: ClassVar[str]
    fields: ClassVar[dict[str, _Field]]
    _store: MutableMapping[str, Any]

    def __init_subclass__(cls, namespace: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.namespace = namespace or cls.__name__.removesuffix("State").lower()
        hints = get_type_hints(cls, include_extras=True)  # keep Annotated constraints
        inherited = dict(getattr(cls, "fields", {}))
        for name, annotation in hints.items():
            if name.startswith("_") or name in ("namespace", "fields"):
                continue
            default = cls.__dict__.get(name, _MISSING)
            if isinstance(default, _Field):
                continue
            if default is _MISSING:
                raise TypeError(f"{cls.__name__}.{name} needs a default value")
            field = _Field(name, annotation, default)
            field.validate(cls.__name__, default)
            inherited[name] = field
            setattr(cls, name, field)
        cls.fields = inherited

    def __init__(self, store: MutableMapping[str, Any] | None = None) -> None:
        if store is None:
            import streamlit as st

            store = cast(MutableMapping[str, Any], st.session_state)  # a mapping at run time
        object.__setattr__(self, "_store", store)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in type(self).fields:
            raise AttributeError(f"{type(self).__name__} has no state field {name!r}")
        super().__setattr__(name, value)

    # -- keys ---------------------------------------------------------------
    def key(self, field: str) -> str:
        """The session-state key that stores ``field``."""
        self._field(field)
        return f"{self.namespace}.{field}"

    def widget_key(self, field: str) -> str:
        """The key of the widget bound to ``field``."""
        return f"{self.key(field)}:widget"

    # -- widget binding -----------------------------------------------------
    def widget(self, field: str, on_change: Callable[[], None] | None = None) -> dict[str, Any]:
        """Keyword arguments that bind a widget to ``field`` (``key`` and ``on_change``).

        Pass them instead of ``value=``: the widget starts from the field's value
        and every change is validated and written back to the field.
        """
        widget_key = self.widget_key(field)
        spec = self._field(field)
        owner = type(self).__name__
        stored = self._store.get(widget_key, _MISSING)
        if stored is _MISSING or not spec.fits(owner, stored):
            self._store[widget_key] = copy.deepcopy(getattr(self, field))

        def sync() -> None:
            value = self._store[widget_key]
            if not spec.fits(owner, value):  # a forged widget value: show the field again
                self._store[widget_key] = copy.deepcopy(getattr(self, field))
                return
            setattr(self, field, value)
            if on_change is not None:
                on_change()

        return {"key": widget_key, "on_change": sync}

    # -- reset --------------------------------------------------------------
    def reset(self, *fields: str) -> None:
        """Restore fields (all by default) to their defaults, widgets included.

        Call it from a button's ``on_click`` so widgets are reset before they are drawn.
        """
        for name in fields or tuple(type(self).fields):
            self._store.pop(self.key(name), None)
            self._store.pop(self.widget_key(name), None)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).fields}

    # -- internals ----------------------------------------------------------
    def _field(self, name: str) -> _Field:
        try:
            return type(self).fields[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no state field {name!r}") from None

    def _read(self, field: _Field) -> Any:
        key = f"{self.namespace}.{field.name}"
        value = self._store.get(key, _MISSING)
        if value is _MISSING:
            return copy.deepcopy(field.default)
        if not field.fits(type(self).__name__, value):
            del self._store[key]
            return copy.deepcopy(field.default)
        return value  # the stored object itself, so in-place changes persist

    def _write(self, field: _Field, value: Any) -> None:
        value = field.validate(type(self).__name__, value)
        self._store[f"{self.namespace}.{field.name}"] = value
        # Keep a bound widget in step. Streamlit only allows this before the widget
        # is drawn in the current run, so set bound fields from callbacks.
        widget_key = f"{self.namespace}.{field.name}:widget"
        if widget_key in self._store and self._store[widget_key] != value:
            self._store[widget_key] = copy.deepcopy(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.as_dict()!r})"
