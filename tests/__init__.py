"""The test suite, as a package, so that what it shares is imported by name.

Two modules serve the whole suite and the fuzz harnesses (``fuzz/``):

- `tests.reference`: the reference example's values (host, site, agent id,
  session id, pool, token) and the builders of sessions, requests and the
  bytes of messages made from them;
- `tests.drivers`: feeding bytes to a `ClientConnection` or a
  `ServerConnection` (whole, cut at points, byte by byte, with trailing
  bytes, then the end of the stream) and recording what comes out.

They live here rather than in ``fuzz/`` because the suite is their main user
and already owns the golden exchanges (``tests/data``) that the fuzz seeds are
made from: the fuzz package depends on the suite's reference, never the other
way round.  The suite does import the fuzz package (to replay its seeds and
reuse an oracle), which is why neither of these two modules imports ``fuzz``.

Both directories are packages of the repository root: ``tests/conftest.py``
puts the root on pytest's path, and ``python -m fuzz.<harness>`` run from the
root finds ``tests`` the same way it finds ``fuzz``.
"""
