"""What the browser tests stand on: Debian's Chromium and its driver, a real emulator, a bot.

Without Chromium the tests are skipped, and the reason says how to install it: nothing can be
downloaded at test time (Selenium is pointed at Debian's driver, so it fetches nothing itself).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .echo_bot import EchoBot

INSTALL = "as root: apt-get install -y chromium chromium-driver"
#: How long a step may take before the test fails: a bound on waiting, not a timing.
WAIT_SECONDS = 30
#: Whatever Chromium would look up besides loopback is refused before it leaves the machine.
CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--force-device-scale-factor=1",
    "--lang=en-US",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--disable-extensions",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)


def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    found = _chromium()
    if found is None:
        pytest.skip(f"Chromium and chromedriver are not installed; to run the browser tests, {INSTALL}")
    return found


@pytest.fixture
def browser(chromium: tuple[str, str]) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromium[1]))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def emulator_url() -> Iterator[str]:
    """``chatproto emulator`` as a bot developer runs it, on a free loopback port."""
    command = [str(Path(sys.executable).with_name("chatproto")), "emulator", "--port", "0", "--quiet"]
    # A short hold, so that the bot's loop sees its stop at once when the test ends.
    command += ["--poll-hold-ms", "500"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            yield process.stdout.readline().strip()
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, err


@pytest.fixture
def start_bot(emulator_url: str) -> Iterator[object]:
    """Starts the echo bot against the emulator when called; stops it when the test ends."""
    bots: list[tuple[EchoBot, threading.Thread]] = []

    def start() -> EchoBot:
        bot = EchoBot(emulator_url)
        failures: list[BaseException] = []

        def run() -> None:
            try:
                bot.run()
            except BaseException as exc:
                failures.append(exc)
                bot.ready.set()
                raise

        thread = threading.Thread(target=run, name="echo-bot", daemon=True)
        thread.start()
        assert bot.ready.wait(WAIT_SECONDS)
        assert failures == []
        bots.append((bot, thread))
        return bot

    yield start
    for bot, thread in bots:
        bot.stop.set()
        thread.join(WAIT_SECONDS)
        assert not thread.is_alive()
