"""A refused URL is named, never repeated: its userinfo, query and fragment may hold secrets.

Issue 13, point 7: ``url must start with http:// or https://, got
'ftp://agent:tok...@...'`` showed the password of a URL it refused.  Every
way a client's URL is refused is checked here, with the secret in each
place a URL can carry one, for the three clients' constructors (they share
`parse_url`) and for the error's whole chain.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anyio
import pytest

import chatproto as cp
import transports.anyio
import transports.sync
import transports.trio

SECRET = "s3cr3tTokenValue"

#: (URL holding the secret, words the error must have).  Credentials are
#: reported before anything else, whatever else is wrong with the URL.
REFUSED = [
    (f"ftp://agent:{SECRET}@chat.example.com", "credentials"),
    (f"https://agent:{SECRET}@chat.example.com", "credentials"),
    (f"https://:{SECRET}@chat.example.com", "credentials"),
    (f"https://{SECRET}@chat.example.com", "credentials"),
    (f"https://agent:{SECRET}@chat.example.com:99999/path?q=1", "credentials"),
    (f"//agent:{SECRET}@chat.example.com", "credentials"),
    (f"https://agent:{SECRET}@", "credentials"),
    # No "//": no userinfo as far as URLs go, so it is a bad scheme, still not repeated.
    (f"agent:{SECRET}@chat.example.com", "http:// or https://"),
    (f"ftp://chat.example.com/?token={SECRET}", "http:// or https://"),
    (f"https://chat.example.com?token={SECRET}", "query"),
    (f"https://chat.example.com/?pool={SECRET}", "query"),
    (f"https://chat.example.com#{SECRET}", "fragment"),
    (f"https://chat.example.com/engagement?token={SECRET}", "query"),
    (f"https://chat.example.com/{SECRET}", "path"),
    # A password with '/' or '#' in it, typed without quoting: the split puts it elsewhere.
    (f"https://agent:pw/{SECRET}@chat.example.com", "path"),
    (f"https://agent:pw#{SECRET}@chat.example.com", "fragment"),
    # user:password with no host after it: the password reads as a port.
    (f"https://agent:{SECRET}", "invalid port"),
    (f"https://[::1:{SECRET}", "not a valid URL"),
]


def _texts(exc: BaseException) -> Iterator[str]:
    """str and repr of an exception, its arguments, and every exception it chains."""
    seen: BaseException | None = exc
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        yield from (repr(arg) for arg in seen.args)
        seen = seen.__cause__ or seen.__context__


def _make_sync(url: str) -> Any:
    return transports.sync.AgentClient(url, site="s", agent_id="12", session_id="x")


def _make_anyio(url: str) -> Any:
    return transports.anyio.AgentClient(url, site="s", agent_id="12", session_id="x")


def _make_trio(url: str) -> Any:
    return transports.trio.AgentClient(url, site="s", agent_id="12", session_id="x")


@pytest.mark.parametrize("make", [_make_sync, _make_anyio, _make_trio], ids=["sync", "anyio", "trio"])
@pytest.mark.parametrize(("url", "words"), REFUSED)
def test_a_refused_url_is_named_not_repeated(make: Any, url: str, words: str) -> None:
    with pytest.raises(cp.LocalProtocolError, match=words) as caught:
        make(url)

    for text in _texts(caught.value):
        assert SECRET not in text, text


def test_a_good_url_still_parses_after_the_checks() -> None:
    client = _make_anyio("https://Chat.Example.com:8443/")
    assert client.url == "https://chat.example.com:8443"
    anyio.run(client.aclose)
