"""HTTP Basic credentials (RFC 7617), for the site calls: built by the client, read by the server.

The header value is ``Basic `` and the base64 of ``user-id:password`` in
UTF-8 (the ``charset="UTF-8"`` of RFC 7617 section 2.1; the docs name HTTP
Basic with the agent's B2C user name and password, nothing more [D]).  A
user id may not contain ``:``, since the first one ends it, and neither may
hold a control character (RFC 7617 section 2).

The password is a secret: no message here quotes it, or any character of
it, only what kind of character is wrong and where.
"""

from __future__ import annotations

import base64
import binascii
import re

from ._errors import LocalProtocolError

#: The authentication scheme, matched without regard to case (RFC 9110 section 11.1).
SCHEME = "basic"
# C0 controls, DEL and the C1 controls (Unicode's ``Cc`` category).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _check(field: str, value: object, *, colon_allowed: bool) -> str:
    if not isinstance(value, str):
        raise LocalProtocolError(f"{field} must be a str, not {type(value).__name__}")
    if not value:
        raise LocalProtocolError(f"{field} may not be empty")
    bad = _CONTROL.search(value)
    if bad is not None:
        raise LocalProtocolError(f"{field} may not contain a control character (at index {bad.start()})")
    if not colon_allowed and ":" in value:
        raise LocalProtocolError(f"{field} may not contain ':' (at index {value.index(':')}): it ends the user id")
    try:
        value.encode()
    except UnicodeEncodeError as exc:  # a lone surrogate
        raise LocalProtocolError(f"{field} is not encodable as UTF-8 (at index {exc.start})") from None
    return value


def check_username(value: object) -> str:
    """The B2C user name: text without ``:`` or control characters."""
    return _check("username", value, colon_allowed=False)


def check_password(value: object) -> str:
    """The B2C password: text without control characters (a ``:`` is fine)."""
    return _check("password", value, colon_allowed=True)


def basic_authorization(username: str, password: str) -> bytes:
    """The ``Authorization`` header value for ``username`` and ``password`` (both already checked)."""
    return b"Basic " + base64.b64encode(f"{username}:{password}".encode())


def parse_basic_authorization(value: str) -> tuple[str, str] | None:
    """``(username, password)`` from an ``Authorization`` header value; None for another scheme.

    The credentials are read as UTF-8, and as Latin-1 when they are not
    UTF-8 (what some clients send, RFC 7617 section 2.1 allowing no other
    default).  An empty user id or password is returned as it is: whether
    it logs on is the server's to say.

    Raises:
        LocalProtocolError: the scheme is Basic but the credentials are not
            base64, hold no ``:``, or hold a control character.  The message
            never quotes them.
    """
    scheme, _, credentials = value.partition(" ")
    if scheme.lower() != SCHEME:
        return None
    try:
        raw = base64.b64decode(credentials.strip(), validate=True)
    except (binascii.Error, ValueError):  # ValueError: a character outside ASCII
        raise LocalProtocolError("Authorization: the Basic credentials are not base64") from None
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    username, colon, password = text.partition(":")
    if not colon:
        raise LocalProtocolError("Authorization: the Basic credentials hold no ':' between user id and password")
    bad = _CONTROL.search(text)
    if bad is not None:
        raise LocalProtocolError(
            f"Authorization: the Basic credentials hold a control character (at index {bad.start()})"
        )
    return username, password
