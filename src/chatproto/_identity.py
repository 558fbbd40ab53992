"""Validation of the caller-supplied strings that end up in a request line or header.

Site and pool go into the request target, so they are held to RFC 3986's
unreserved characters (plus ``:`` for the pool, as in ``297:1``): nothing that
would need percent-encoding, nothing that could end the path, start a query
or add a parameter, and no ``.``/``..`` segment.  Header values (agent id,
session id, host, token) must be printable ASCII, so no CR, LF, NUL or other
control character can split a header, and no byte is left to the encoding's
interpretation.

Error messages name the field and the offending character and its position,
never the value itself: session ids and tokens are secrets.
"""

from __future__ import annotations

import re

from ._errors import LocalProtocolError

_SITE = re.compile(r"[A-Za-z0-9._~-]+\Z")
_POOL = re.compile(r"[A-Za-z0-9._~:-]+\Z")
# Printable ASCII without space: what an id, a host or a token may contain.
_TOKENISH = re.compile(r"[!-~]+\Z")
_PATH_CHARS = frozenset("/\\?#@")


def _describe_first_bad(field: str, value: str, allowed: re.Pattern[str], extra_bad: frozenset[str]) -> str:
    # Only called when some character is bad, so ``next`` always finds one.
    index, char = next((i, c) for i, c in enumerate(value) if not allowed.match(c) or c in extra_bad)
    return f"{field} may not contain {char!r} (at index {index})"


def _check(field: str, value: object, allowed: re.Pattern[str], extra_bad: frozenset[str] = frozenset()) -> str:
    if not isinstance(value, str):
        raise LocalProtocolError(f"{field} must be a str, not {type(value).__name__}")
    if not value:
        raise LocalProtocolError(f"{field} may not be empty")
    if allowed.match(value) is None or not extra_bad.isdisjoint(value):
        raise LocalProtocolError(_describe_first_bad(field, value, allowed, extra_bad))
    return value


def check_site(value: object) -> str:
    """The fqSiteName, a single path segment."""
    site = _check("site", value, _SITE)
    if site in (".", ".."):
        raise LocalProtocolError(f"site may not be {site!r}: it would change the path")
    return site


def check_pool(value: object) -> str:
    """The ``pool`` query value, such as ``297:1``."""
    return _check("pool", value, _POOL)


def check_host(value: object) -> str:
    """The ``Host`` header: a host name, optionally with ``:port``, nothing after it."""
    return _check("host", value, _TOKENISH, _PATH_CHARS)


def check_header_id(field: str, value: object) -> str:
    """``X-AID`` or ``X-JSESSIONID``: printable ASCII, no path separators."""
    return _check(field, value, _TOKENISH, _PATH_CHARS)


def check_token(value: object) -> str:
    """A bearer token: printable ASCII (``/``, ``+`` and ``=`` are fine)."""
    return _check("token", value, _TOKENISH)


def redact(secret: str) -> str:
    """A form of ``secret`` safe for repr and messages: its length and last two characters."""
    return f"<{len(secret)} chars ...{secret[-2:]}>" if len(secret) > 8 else f"<{len(secret)} chars>"


#: ``OSvC-CREST-Application-Context``: a comment that the site's PAPI Meters
#: Debug Log report shows; longer than this is a Bad Request [D].
MAX_APP_CONTEXT = 40
# Printable ASCII and the space: free text, with nothing left to an encoding.
_APP_CONTEXT = re.compile(r"[ -~]+\Z")


def check_app_context(value: object, field: str = "app_context") -> str:
    """``OSvC-CREST-Application-Context``: 1 to 40 characters of printable ASCII or spaces.

    No space may begin or end it: HTTP drops them, so the server would see
    another value than the one given.  ``field`` names it in the messages.
    """
    text = _check(field, value, _APP_CONTEXT)
    if len(text) > MAX_APP_CONTEXT:
        raise LocalProtocolError(f"{field} may be at most {MAX_APP_CONTEXT} characters, not {len(text)}")
    if text[0] == " " or text[-1] == " ":
        raise LocalProtocolError(f"{field} may not begin or end with a space: HTTP would drop it")
    return text
