"""An item's effective options: the engine Spec as JSON, and the identity that dedupes items."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import types
import typing
from enum import Enum
from typing import Any

from django.conf import settings

from optimizer.engine import Spec


def to_json(value: Any) -> Any:
    """A Spec (or any part of it) as plain JSON values."""
    if dataclasses.is_dataclass(value):
        return {field.name: to_json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json(part) for part in value]
    return value


def _from_json(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return _from_json(inner, value)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(_from_json(inner, part) for part in value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    if dataclasses.is_dataclass(kind):
        hints = _field_types(kind)
        known = {field.name for field in dataclasses.fields(kind)}
        return kind(**{name: _from_json(hints[name], part) for name, part in value.items() if name in known})
    return value


def with_service_defaults(spec: Spec) -> Spec:
    """The spec with the service's configured quality floors (part of an item's identity)."""
    return dataclasses.replace(
        spec, lossy_floor=settings.REDUCER_LOSSY_FLOOR, glossy_floor=settings.REDUCER_GLOSSY_FLOOR
    )


@functools.cache
def _field_types(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def spec_from_json(data: dict) -> Spec:
    return _from_json(Spec, data)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=1024)
def _canonical_options(spec: Spec) -> str:
    # A poll names many sources with one set of options: their JSON is worked out once.
    return _canonical(to_json(spec))


def identity(source: dict, spec: Spec) -> str:
    """sha256 over the source reference and the effective options, in a canonical form: the JSON
    of ``{"options": ..., "source": ...}`` with sorted keys and no spaces."""
    material = f'{{"options":{_canonical_options(spec)},"source":{_canonical(source)}}}'
    return hashlib.sha256(material.encode()).hexdigest()


def family(source: dict, spec: Spec) -> str:
    """The identity without the targets: what items that make different outputs of one source share."""
    return identity(source, dataclasses.replace(spec, targets=()))
