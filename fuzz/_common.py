"""What the harnesses share: a byte reader, the limit profiles, the whole
versus split oracle, and the atheris entry point.

Every harness is a plain function of bytes (``test_one_input``) that raises on
a finding, so the same code runs under atheris (``python -m fuzz.fuzz_x``),
over the seed corpora in the test suite, and on one crash file to reproduce
it.  The drivers that feed the bytes to a connection and check what comes out
are the test suite's (`tests.drivers`).  None of it imports atheris.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tests.drivers import Outcome, split_at

import chatproto as cp

FUZZ_DIR = Path(__file__).resolve().parent
SEEDS_DIR = FUZZ_DIR / "seeds"
DICTIONARY = FUZZ_DIR / "chatproto.dict"

#: Small limits, so a fuzzer reaches every limit with inputs of a few hundred bytes.
SMALL_LIMITS = cp.Limits(max_header_bytes=160, max_body_bytes=240, max_json_depth=5)
LIMIT_PROFILES = (cp.Limits(), SMALL_LIMITS)
#: Limits no fuzzer input can reach: what a stream does with no limits at all.
NO_LIMITS = cp.Limits(max_header_bytes=2**40, max_body_bytes=2**40, max_json_depth=2**20)


class Reader:
    """Reads structure out of fuzzer bytes; past the end it reads zeros, never fails."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def byte(self) -> int:
        if self._pos >= len(self._data):
            return 0
        value = self._data[self._pos]
        self._pos += 1
        return value

    def below(self, bound: int) -> int:
        """An int in ``range(bound)``, from one byte (two when ``bound`` > 256)."""
        value = self.byte()
        if bound > 256:
            value = value << 8 | self.byte()
        return value % bound

    def take(self, count: int) -> bytes:
        chunk = self._data[self._pos : self._pos + count]
        self._pos += len(chunk)
        return chunk

    def sized(self, max_len: int = 64) -> bytes:
        """A length byte, then that many bytes."""
        return self.take(self.below(max_len + 1))

    def text(self, max_len: int = 64) -> str:
        """A str from UTF-8 bytes; invalid bytes become lone surrogates, which must be refused."""
        return self.sized(max_len).decode("utf-8", "surrogateescape")

    def rest(self) -> bytes:
        chunk = self._data[self._pos :]
        self._pos = len(self._data)
        return chunk


def split_points(reader: Reader) -> list[int]:
    """Up to seven cut positions (two bytes each), for `tests.drivers.split_at`, which takes them
    modulo the length of what is cut."""
    return [reader.below(65536) for _ in range(reader.below(8))]


def same_outcome(whole: Outcome, split: Outcome, what: str, unlimited: Callable[[], Outcome]) -> None:
    """Chunking must change nothing: the same events, the same error class, the same state.

    One difference is allowed: a stream that is both over a limit and
    malformed (or cut short) may be reported as either, depending on which
    the connection saw first.  So when the error classes differ, one must be
    `cp.LimitExceeded`, and the stream must fail even with no limits at all.
    """
    if whole == split:
        return
    both_failed = whole.error is not None and split.error is not None
    over_a_limit = "LimitExceeded" in (whole.error, split.error)
    if both_failed and over_a_limit and whole.events == split.events and unlimited().error is not None:
        return
    raise AssertionError(f"{what}: whole and split differ\n whole: {whole!r}\n split: {split!r}")


def whole_and_split(data: bytes, drive: Callable[[Sequence[bytes], cp.Limits], Outcome], what: str) -> None:
    """The receive harnesses' body: a flags byte (bit 0: small limits), the
    split points, then the stream, driven whole and then cut at the points,
    each ending with the end of the stream; both must come out the same."""
    reader = Reader(data)
    limits = LIMIT_PROFILES[reader.byte() & 1]
    points = split_points(reader)
    stream = reader.rest()
    pieces = [stream] if stream else []
    same_outcome(drive(pieces, limits), drive(split_at(stream, points), limits), what, lambda: drive(pieces, NO_LIMITS))


def run_main(test_one_input: Callable[[bytes], None]) -> None:
    """Run a harness under atheris, with libFuzzer's arguments from the command line."""
    import atheris  # only the fuzzing campaign needs it

    atheris.instrument_all()
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
