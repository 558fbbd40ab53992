"""URL parsing: where a client connects, and the ``Host`` header it sends."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit

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

    Raises:
        LocalProtocolError: another scheme, no host, a bad port, credentials,
            a path, a query or a fragment (the core builds the path itself).
    """
    if not isinstance(url, str):
        raise cp.LocalProtocolError(f"url must be a str, not {type(url).__name__}")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise cp.LocalProtocolError(f"url must start with http:// or https://, got {url!r}")
    if parts.username is not None or parts.password is not None:
        raise cp.LocalProtocolError("url may not carry credentials; pass token= instead")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise cp.LocalProtocolError(f"url must name only the server (the API path is built for you), got {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise cp.LocalProtocolError(f"url has an invalid port: {url!r}") from exc
    host = parts.hostname
    if not host:
        raise cp.LocalProtocolError(f"url has no host: {url!r}")
    default_port = _DEFAULT_PORTS[scheme]
    written_host = f"[{host}]" if ":" in host else host
    if port is None:
        port = default_port
    host_header = written_host if port == default_port else f"{written_host}:{port}"
    return Endpoint(scheme, host, port, host_header)
