"""Request values for the harnesses: a valid example of every operation's request,
and field values of the right type or of any type at all, chosen by the fuzzer."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
from msgspec import inspect

import chatproto as cp

from ._common import Reader

_NOTHING = object()


def example_request(operation: cp.Operation) -> cp.Request:
    """The operation's request with every required field set to a plain valid value."""
    info = inspect.type_info(operation.request_type)
    assert isinstance(info, inspect.StructType)
    values = {field.encode_name: _plain(field.type) for field in info.fields if field.required}
    request: cp.Request = msgspec.convert(values, operation.request_type)
    return request


def _plain(kind: inspect.Type) -> Any:
    if isinstance(kind, inspect.IntType):
        return 1
    if isinstance(kind, inspect.BoolType):
        return True
    if isinstance(kind, inspect.EnumType):
        return next(iter(kind.cls)).value
    if isinstance(kind, inspect.UnionType):
        return _plain(kind.types[0])
    return "x"


def typed_value(kind: inspect.Type, reader: Reader, depth: int = 0) -> Any:
    """A value of the field's Python type, from the fuzzer; it may still break a
    constraint (a range, the data-key pattern), which `send` must refuse."""
    if isinstance(kind, inspect.UnionType):
        return typed_value(kind.types[reader.below(len(kind.types))], reader, depth)
    if isinstance(kind, inspect.NoneType):
        return None
    if isinstance(kind, inspect.BoolType):
        return bool(reader.byte() & 1)
    if isinstance(kind, inspect.IntType):
        return wild_int(reader)
    if isinstance(kind, inspect.EnumType):
        members = list(kind.cls)
        choice = reader.below(len(members) + 2)
        if choice < len(members):
            return members[choice]
        return members[0].value if choice == len(members) else reader.text(24)  # a str, valid or not
    if isinstance(kind, inspect.StrType):
        return reader.text()
    if isinstance(kind, inspect.DictType) and depth < 2:
        return {reader.text(16): reader.text(16) for _ in range(reader.below(4))}
    if isinstance(kind, inspect.ListType) and depth < 2:
        return [typed_value(kind.item_type, reader, depth + 1) for _ in range(reader.below(3))]
    if isinstance(kind, inspect.StructType) and depth < 2:
        return kind.cls(**{field.name: typed_value(field.type, reader, depth + 1) for field in kind.fields})
    if isinstance(kind, inspect.AnyType):
        return wild_value(reader, depth + 1)
    return None


def wild_int(reader: Reader) -> int:
    """Ints near every bound the wire models use, and far past them."""
    edges = (0, 1, -1, 27, 2**31 - 1, 2**31, -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**40)
    choice = reader.below(len(edges) + 1)
    if choice < len(edges):
        return edges[choice]
    return int.from_bytes(reader.take(reader.below(10)), "little", signed=True)


class _Opaque:
    """An object msgspec cannot encode."""


def wild_value(reader: Reader, depth: int = 0) -> Any:
    """A value of any type: what a careless caller might pass for any field."""
    choice = reader.below(13)
    if choice == 0:
        return reader.text()
    if choice == 1:
        return reader.sized()
    if choice == 2:
        return wild_int(reader)
    if choice == 3:
        return (float("nan"), float("inf"), -float("inf"), 1.5, 1e308, 27.0)[reader.below(6)]
    if choice == 4:
        return bool(reader.byte() & 1)
    if choice == 5:
        return None
    if choice == 6 and depth < 2:
        return [wild_value(reader, depth + 1) for _ in range(reader.below(3))]
    if choice == 7 and depth < 2:
        return {_wild_key(reader): wild_value(reader, depth + 1) for _ in range(reader.below(3))}
    if choice == 8:
        return cp.DestinationType.ENGAGEMENT
    if choice == 9:
        return _Opaque()
    if choice == 10:
        return bytearray(reader.sized())
    if choice == 11:
        return _StrEnumLike.VALUE
    return reader.text(8).encode("utf-8", "surrogateescape").decode("latin-1")


def _wild_key(reader: Reader) -> Any:
    """A dict key of any hashable type."""
    return (reader.text(16), wild_int(reader), None, True, 1.5, b"k", _StrEnumLike.VALUE)[reader.below(7)]


class _StrEnumLike(enum.Enum):
    """An enum that is not a str: never a valid value of a str-enum field."""

    VALUE = "ENGAGEMENT"


def fuzzed_request(operation: cp.Operation, reader: Reader) -> cp.Request:
    """The operation's request, each field typed, wild, or left at its default, as the fuzzer picks."""
    info = inspect.type_info(operation.request_type)
    assert isinstance(info, inspect.StructType)
    values: dict[str, Any] = {}
    example = example_request(operation)
    for field in info.fields:
        choice = reader.below(4)
        if choice == 0:
            value = getattr(example, field.name) if field.required else _NOTHING
        elif choice == 3:
            value = wild_value(reader)
        else:
            value = typed_value(field.type, reader)
        if value is not _NOTHING:
            values[field.name] = value
    return operation.request_type(**values)
