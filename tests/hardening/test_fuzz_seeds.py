"""Every fuzz harness over its seeds and its past findings, in the normal test suite.

The harnesses are plain functions of bytes (``fuzz.fuzz_<name>``), so this
needs no atheris: it checks that the seeds still satisfy every invariant, and
replays each input a fuzzer once found (``fuzz_regressions/<harness>/``,
named after the bug) so that none comes back.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fuzz import make_seeds, run_all

from .hardening_helpers import FUZZ_DIR

HARNESSES = ("client_receive", "response_body", "server_receive", "emulator", "request_encode", "get_messages")
REGRESSIONS = Path(__file__).resolve().parent / "fuzz_regressions"


def _inputs() -> list[tuple[str, Path]]:
    cases = []
    for harness in HARNESSES:
        for directory in (FUZZ_DIR / "seeds" / harness, REGRESSIONS / harness):
            cases += [(harness, path) for path in sorted(directory.iterdir())]
    return cases


def test_every_harness_has_seeds() -> None:
    for harness in HARNESSES:
        assert len(list((FUZZ_DIR / "seeds" / harness).iterdir())) >= 10, harness


@pytest.mark.parametrize(("harness", "path"), _inputs(), ids=lambda value: getattr(value, "name", value))
def test_harness_input(harness: str, path: Path) -> None:
    module = importlib.import_module(f"fuzz.fuzz_{harness}")
    module.test_one_input(path.read_bytes())


def test_run_all_knows_every_harness() -> None:
    assert run_all.HARNESSES == HARNESSES
    assert sorted(path.stem.removeprefix("fuzz_") for path in FUZZ_DIR.glob("fuzz_*.py")) == sorted(HARNESSES)


def test_the_seeds_and_the_dictionary_are_what_make_seeds_writes(tmp_path: Path) -> None:
    # Stale seeds would fuzz an old input layout, or miss a changed golden file.
    make_seeds.main(tmp_path / "seeds", tmp_path / "chatproto.dict")
    for harness in HARNESSES:
        written = {path.name: path.read_bytes() for path in (tmp_path / "seeds" / harness).iterdir()}
        committed = {path.name: path.read_bytes() for path in (FUZZ_DIR / "seeds" / harness).iterdir()}
        assert written == committed, f"run python -m fuzz.make_seeds ({harness})"
    assert (tmp_path / "chatproto.dict").read_text() == (FUZZ_DIR / "chatproto.dict").read_text()


def test_the_dictionary_is_in_libfuzzer_format() -> None:
    lines = [line for line in (FUZZ_DIR / "chatproto.dict").read_text().splitlines() if not line.startswith("#")]
    assert len(lines) > 100
    for line in lines:
        assert line.startswith('"'), line
        assert line.endswith('"'), line
        assert all(0x20 <= ord(char) < 0x7F for char in line), line
