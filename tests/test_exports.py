"""The public surface: every exported name resolves, and nothing public names a private module."""

from __future__ import annotations

import enum
import types
from pathlib import Path

import pytest

import chatproto
import transports

PUBLIC = sorted(chatproto.__all__)


def test_all_has_no_duplicates() -> None:
    assert len(set(chatproto.__all__)) == len(chatproto.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_exported_name_resolves(name: str) -> None:
    assert hasattr(chatproto, name), name
    assert getattr(chatproto, name) is not None


@pytest.mark.parametrize("name", PUBLIC)
def test_no_public_object_names_a_private_module(name: str) -> None:
    value = getattr(chatproto, name)
    if isinstance(value, type | types.FunctionType):
        assert value.__module__ == "chatproto", f"{name}.__module__ is {value.__module__}"
    elif isinstance(value, enum.Enum):
        assert type(value).__module__ == "chatproto", f"{name} is a {type(value).__module__} enum"


def test_every_public_name_of_the_contract_is_exported() -> None:
    contract = {
        "AgentSession",
        "ApiError",
        "ChatPostResult",
        "ChatSystemError",
        "ClientConnection",
        "ConnectionClosed",
        "DestinationType",
        "ErrorReceived",
        "LimitExceeded",
        "Limits",
        "LocalProtocolError",
        "MessageType",
        "NEED_DATA",
        "OPERATIONS",
        "PeerClosedEarly",
        "PostMessageRequest",
        "PostMessageResponse",
        "ProtocolError",
        "RemoteProtocolError",
        "ResponseReceived",
        "SequenceMismatch",
        "ServerConnection",
        "RequestReceived",
        "InvalidRequest",
        "HTTPRequestReceived",
        "Visibility",
    }
    assert contract <= set(chatproto.__all__), sorted(contract - set(chatproto.__all__))


def test_every_type_in_a_public_signature_is_exported() -> None:
    # Events and errors a caller matches on, and the types they carry.
    for name in (
        "ConnectionState",
        "NeedData",
        "Operation",
        "Request",
        "Response",
        "AgentResponse",
        "ClientEvent",
        "ServerEvent",
        "SessionIdentity",
    ):
        assert name in chatproto.__all__, name


def test_the_version_is_a_string() -> None:
    assert isinstance(chatproto.__version__, str)
    assert chatproto.__version__.count(".") >= 2


@pytest.mark.parametrize("package", [chatproto, transports], ids=["chatproto", "transports"])
def test_both_packages_ship_py_typed(package: types.ModuleType) -> None:
    assert package.__file__ is not None
    assert (Path(package.__file__).parent / "py.typed").is_file()
