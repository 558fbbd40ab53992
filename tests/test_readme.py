"""The README's examples run as written, and pass ``mypy --strict``.

Every ```` ```python ```` block of README.md is run:

- a block that defines ``test_*`` functions is a user's test module (the
  fixture example): each of them is called with this suite's
  ``chat_emulator`` fixture, as pytest would call it;
- any other block is a program for a real chat server.  It runs as written
  except for the server's address, which `SUBSTITUTIONS` points at an
  emulator on loopback (plain HTTP, since the emulator speaks no TLS).  Each
  substitution must apply to a block that names ``chat.example.com``, and no
  ``example.com`` may be left after them, so a README edit cannot make a
  block skip the emulator unseen.  The emulator holds the README's session
  (site, agent, session id, pool) and engagements 27 and 28, so every other
  value is the README's own.

A block that cannot run would be marked ```` ```python no-run ```` and begin
with a ``# not run: <why>`` comment; it is still type-checked.  No block is
so marked: every example runs.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mypy import api as mypy_api

from chatproto.emulator import EngagementStatus
from transports.emulator import BackgroundEmulator
from transports.pytest_plugin import ChatEmulator

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)

#: The README's session, which the emulator opens for each block.
SITE = "day001_221100_sql_001h"
AGENT_ID = "12"
SESSION_ID = "node01h8m13tljpm7ns8nayp0pid91"
POOL = "297:1"
ENGAGEMENTS = (27, 28)

#: (text in the README, what it becomes; ``{port}`` is the emulator's port).
SUBSTITUTIONS = (
    ('"https://chat.example.com"', '"http://127.0.0.1:{port}"'),
    # The bot's B2C site: the emulator serves the site calls too, and names itself as the chat server.
    ('"https://your-site.example.com"', '"http://127.0.0.1:{port}"'),
    ('HOST, PORT = "chat.example.com", 80', 'HOST, PORT = "127.0.0.1", {port}'),
)


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence
    info: str  # what follows the language on the fence: "" or "no-run"
    code: str

    @property
    def name(self) -> str:
        return f"README.md:{self.line}"

    @property
    def is_test_module(self) -> bool:
        return re.search(r"^def test_\w+\(", self.code, re.MULTILINE) is not None


def fenced_blocks(text: str) -> list[tuple[int, str, str]]:
    """(line of the opening fence, info string, body) of every fenced block."""
    return [
        (text.count("\n", 0, match.start()) + 1, match["info"].strip(), match["code"]) for match in FENCE.finditer(text)
    ]


def python_blocks() -> list[Block]:
    blocks = []
    for line, info, code in fenced_blocks(README.read_text(encoding="utf-8")):
        language, _, marker = info.partition(" ")
        if language == "python":
            blocks.append(Block(line, marker.strip(), code))
    return blocks


BLOCKS = python_blocks()
RUN = [block for block in BLOCKS if block.info != "no-run"]


def test_the_readme_has_its_examples() -> None:
    # The posting, concurrent, core and fixture examples; a parse that found none would test nothing.
    assert len(BLOCKS) >= 4
    assert sum(block.is_test_module for block in BLOCKS) == 1


@pytest.mark.parametrize("block", BLOCKS, ids=[block.name for block in BLOCKS])
def test_each_block_is_marked_to_run_or_says_why_not(block: Block) -> None:
    assert block.info in ("", "no-run"), f"{block.name}: unknown marker {block.info!r}"
    if block.info == "no-run":
        assert block.code.startswith("# not run: "), f"{block.name}: a no-run block starts by saying why"


def test_the_first_block_holds_the_two_commands() -> None:
    _, info, code = fenced_blocks(README.read_text(encoding="utf-8"))[0]
    assert info == "sh"
    commands = [row.split("#")[0].strip() for row in code.splitlines()]
    assert commands == ["make demo", "make test"]


def test_the_readme_names_the_extras_with_install_lines() -> None:
    install = [
        code for _, info, code in fenced_blocks(README.read_text(encoding="utf-8")) if "pip install chatproto" in code
    ]
    assert len(install) == 1
    lines = [row.split("#")[0].strip() for row in install[0].splitlines()]
    assert lines == ["pip install chatproto", "pip install 'chatproto[trio]'"]


def for_the_emulator(block: Block, port: int) -> str:
    """The block with its server's address pointed at the emulator on ``port``."""
    code = block.code
    applied = 0
    for text, replacement in SUBSTITUTIONS:
        applied += code.count(text)
        code = code.replace(text, replacement.format(port=port))
    assert "example.com" not in code, f"{block.name} names a server no substitution points at the emulator"
    assert applied or "example.com" not in block.code
    return code


@pytest.fixture
def readme_server() -> Iterator[BackgroundEmulator]:
    """An emulator holding the README's session and engagements."""
    with BackgroundEmulator(port=0) as server:
        info = server.open_session(AGENT_ID, site=SITE, session_id=SESSION_ID)
        assert (info.site, info.pool) == (SITE, POOL)
        for engagement_id in ENGAGEMENTS:
            server.start_engagement(SESSION_ID, engagement_id=engagement_id)
        yield server


def port_of(server: BackgroundEmulator) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.mark.parametrize("block", RUN, ids=[block.name for block in RUN])
def test_each_block_runs(block: Block, readme_server: BackgroundEmulator, chat_emulator: ChatEmulator) -> None:
    code = for_the_emulator(block, port_of(readme_server))
    if ".for_site(" in code:
        run_the_bot(block, code, readme_server)
        return
    namespace: dict[str, object] = {"__name__": "readme_example"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, block.name, "exec"), namespace)  # the README's own code
        tests = [value for name, value in namespace.items() if name.startswith("test_") and callable(value)]
        for test in tests:
            test(chat_emulator)
    if block.is_test_module:
        assert tests
        assert chat_emulator.messages(), "the test posted nothing"
        return
    recorded = [message.body for engagement_id in ENGAGEMENTS for message in readme_server.messages(engagement_id)]
    assert recorded, f"{block.name} posted nothing to the emulator"
    # Whatever a block prints comes from a real answer: the sequence number the emulator gave back.
    if printed.getvalue():
        assert printed.getvalue().split()[0] == "1", printed.getvalue()


def run_the_bot(block: Block, code: str, server: BackgroundEmulator) -> None:
    """Run the bot block in a thread while the test plays the end user of one engagement, as the README says."""
    failures: list[BaseException] = []

    def bot() -> None:
        try:
            exec(compile(code, block.name, "exec"), {"__name__": "readme_example"})  # the README's own code
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=bot)
    thread.start()
    engagement_id = server.queue_engagement(question="Hello?")
    wait_until(lambda: server.engagement(engagement_id).status is EngagementStatus.ACTIVE or not thread.is_alive())
    server.end_user_says(engagement_id, "Hi")
    wait_until(lambda: len(server.engagement(engagement_id).transcript) >= 2 or not thread.is_alive())
    server.end_user_leaves(engagement_id)
    thread.join(30)
    assert not thread.is_alive(), f"{block.name}: the bot did not end"
    assert failures == []
    transcript = [(entry.sender, entry.kind, entry.body) for entry in server.engagement(engagement_id).transcript]
    assert transcript == [
        ("END_USER", "MESSAGE", "Hi"),
        ("AGENT", "MESSAGE", "You said: Hi"),
        ("END_USER", "LEFT", None),
        ("AGENT", "CONCLUDED", None),
        ("AGENT", "RELEASED", None),
    ]


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting on the bot"
        time.sleep(0.01)


def test_the_blocks_pass_mypy_strict(tmp_path: Path) -> None:
    files = []
    for block in BLOCKS:
        path = tmp_path / f"readme_line_{block.line}.py"
        path.write_text(block.code, encoding="utf-8")
        files.append(str(path))
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # the blocks alone, not the project's own settings
    out, err, status = mypy_api.run(
        ["--strict", "--config-file", str(config), "--cache-dir", str(tmp_path / "cache"), *files]
    )
    assert status == 0, out + err
