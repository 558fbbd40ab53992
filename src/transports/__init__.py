"""I/O adapters for the chatproto core: the same `AgentClient` three times.

- `transports.sync.AgentClient`: blocking sockets and `ssl`;
- `transports.anyio.AgentClient`: asyncio or trio, through anyio;
- `transports.trio.AgentClient`: trio, natively.

Importing this package imports none of them (nor anyio or trio); it only
exports the error tree they share.
"""

from ._errors import ClientClosedError as ClientClosedError
from ._errors import ConnectError as ConnectError
from ._errors import ConnectTimeout as ConnectTimeout
from ._errors import OutcomeUnknownError as OutcomeUnknownError
from ._errors import OutcomeUnknownProtocolError as OutcomeUnknownProtocolError
from ._errors import OutcomeUnknownTimeout as OutcomeUnknownTimeout
from ._errors import TransportError as TransportError
from ._errors import TransportTimeout as TransportTimeout

__all__ = [
    "ClientClosedError",
    "ConnectError",
    "ConnectTimeout",
    "OutcomeUnknownError",
    "OutcomeUnknownProtocolError",
    "OutcomeUnknownTimeout",
    "TransportError",
    "TransportTimeout",
]

for _name in __all__:
    globals()[_name].__module__ = "transports"
del _name
