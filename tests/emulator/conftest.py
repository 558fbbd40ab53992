"""Fixtures of the emulator tests.

``chat_emulator`` and ``chat_emulator_server`` are the fixtures of the pytest
plugin this package installs (``transports.pytest_plugin``), imported here
so they are available whether or not the plugin's entry point is installed
(`test_emulator_plugin` checks the plugin as pytest loads it).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from transports.emulator import BackgroundEmulator
from transports.pytest_plugin import chat_emulator, chat_emulator_server

__all__ = ["chat_emulator", "chat_emulator_server"]


@pytest.fixture
def server() -> Iterator[BackgroundEmulator]:
    """An emulator of its own for one test, on a free loopback port."""
    with BackgroundEmulator(port=0) as background:
        yield background
    # A socket left open would surface as a ResourceWarning, an error under filterwarnings.
    gc.collect()
