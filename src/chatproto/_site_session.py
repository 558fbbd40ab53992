"""`SiteSession`: who makes the site calls, on which B2C site.

Plain state with no I/O, like `AgentSession`, and immutable: the B2C site's
host, the agent's B2C user name and password (HTTP Basic [D]), and the
``OSvC-CREST-Application-Context`` comment every site call carries (the
docs call the header required [D]).  The request head is built from it
elsewhere (`_request_head.site_request`).
"""

from __future__ import annotations

from ._basic_auth import check_password, check_username
from ._identity import check_app_context, check_host, redact

#: The comment sent when none is given: what the site's usage report shows for these calls.
DEFAULT_APP_CONTEXT = "chatproto"


class SiteSession:
    """The B2C site and the account that the site calls authenticate with.

    Args:
        host: the B2C site's host, optionally ``host:port``; sent as ``Host``.
        username: the agent's B2C user name (no ``:``, no control characters).
        password: its password (no control characters).  Never shown whole:
            not in the repr, not in an error.
        app_context: ``OSvC-CREST-Application-Context``, a comment of at most
            40 characters [D] (printable ASCII and spaces).

    Raises:
        LocalProtocolError: a value is empty, not a str, too long, or holds a
            character it may not; the message names the field, and never
            quotes the password.
    """

    __slots__ = ("_app_context", "_host", "_password", "_username")

    def __init__(self, *, host: str, username: str, password: str, app_context: str = DEFAULT_APP_CONTEXT) -> None:
        self._host = check_host(host)
        self._username = check_username(username)
        self._password = check_password(password)
        self._app_context = check_app_context(app_context)

    def __repr__(self) -> str:
        return (
            f"SiteSession(host={self._host!r}, username={self._username!r}, "
            f"password={redact(self._password)}, app_context={self._app_context!r})"
        )

    @property
    def host(self) -> str:
        return self._host

    @property
    def username(self) -> str:
        return self._username

    @property
    def password(self) -> str:
        return self._password

    @property
    def app_context(self) -> str:
        return self._app_context
