"""URL parsing: where a client connects, and the ``Host`` header it sends."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

import chatproto as cp

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Endpoint(NamedTuple):
    """Where to connect, parsed from the client's URL."""

    scheme: str
    #: The address to connect to (an IPv6 literal without brackets).
    host: str
    port: int
    #: The ``Host`` header: the host as written, with ``:port`` when not the default.
    host_header: str

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_header}"


def parse_url(url: str) -> Endpoint:
    """The endpoint of an ``http://`` or ``https://`` URL with no path beyond ``/``.

    No error repeats the URL, nor any part of it but its scheme: its
    userinfo, query and fragment may hold a password or a token, and a
    password typed with a ``/``, ``#`` or ``?`` in it is split into the
    path, query or fragment.  Credentials are looked for first, so that a
    URL carrying them is refused for that, whatever else is wrong with it.

    Raises:
        LocalProtocolError: credentials, another scheme, a path, a query, a
            fragment (the core builds the path itself), a bad port, no host,
            or a string that does not split as a URL.
    """
    if not isinstance(url, str):
        raise cp.LocalProtocolError(f"url must be a str, not {type(url).__name__}")
    # urlsplit's and .port's ValueErrors may quote the host part, credentials
    # and all: they are dropped, not chained (not even as __context__).
    parts = _split(url)
    if parts is None:
        raise cp.LocalProtocolError("url is not a valid URL (such as https://chat.example.com)")
    if "@" in parts.netloc:
        raise cp.LocalProtocolError("url may not carry credentials (user:password@); pass token= instead")
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        # A scheme is letters, digits, "+", "-" and ".": safe to show, when a "//" shows it is one.
        got = f", not {scheme}://" if scheme and parts.netloc else ""
        raise cp.LocalProtocolError(f"url must start with http:// or https://{got}")
    for part, what in ((parts.query, "a query"), (parts.fragment, "a fragment")):
        if part:
            raise cp.LocalProtocolError(f"url may not carry {what}; name only the server, such as https://host:port")
    if parts.path not in ("", "/"):
        raise cp.LocalProtocolError("url may not carry a path (the API path is built for you); name only the server")
    default_port = _DEFAULT_PORTS[scheme]
    port = _port(parts, default_port)
    if port is None:
        raise cp.LocalProtocolError("url has an invalid port: it must be a number from 0 to 65535")
    host = parts.hostname
    if not host:
        raise cp.LocalProtocolError(f"url has no host: {scheme}://")
    written_host = f"[{host}]" if ":" in host else host
    host_header = written_host if port == default_port else f"{written_host}:{port}"
    return Endpoint(scheme, host, port, host_header)


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _port(parts: SplitResult, default: int) -> int | None:
    """The URL's port (``default`` when it names none), None when it is not a valid one."""
    try:
        port = parts.port
    except ValueError:
        return None
    return default if port is None else port


def endpoint_at(scheme: str, host: str, port: int | None) -> Endpoint:
    """The endpoint of ``host`` and ``port`` (None: the scheme's default) with ``scheme``.

    What serviceSettings names (``domain``, ``port``) becomes the chat
    server's endpoint this way, with the scheme of the site's URL.

    Raises:
        LocalProtocolError: ``host`` is not a host name or address.
    """
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not bare or any(ch in bare for ch in "/?#@[] ") or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in bare):
        raise cp.LocalProtocolError("the chat server's domain is not a host name or address")
    default_port = _DEFAULT_PORTS[scheme]
    port = default_port if port is None else port
    written_host = f"[{bare}]" if ":" in bare else bare
    host_header = written_host if port == default_port else f"{written_host}:{port}"
    return Endpoint(scheme, bare, port, host_header)
