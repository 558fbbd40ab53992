"""A person chats with a bot in a real browser: headless Chromium on ``chatproto emulator``'s page.

The steps are a person's, at the keyboard: type a name and a question, see the chat queued,
then taken by the bot; type (the bot sees the ChatActivitySignal), read the bot's replies as
they come, leave.  ``CHATPROTO_SCREENSHOT=path`` saves the page mid-chat there (``make
screenshot`` writes the README's ``docs/chat-page.png``); else it goes to a temporary file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import WAIT_SECONDS
from .echo_bot import EchoBot

pytestmark = pytest.mark.usefixtures("chromium")


def wait_for(driver: Any, condition: Callable[[Any], object], what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=what)


def text_of(driver: Any, element_id: str) -> str:
    return str(driver.find_element("id", element_id).text)


def focused_id(driver: Any) -> str:
    return str(driver.execute_script("return document.activeElement.id"))


def messages(driver: Any) -> list[str]:
    items = driver.find_elements("css selector", "#transcript li[data-kind='message']")
    return [str(item.text) for item in items]


def test_a_person_chats_with_the_echo_bot(
    browser: Any, emulator_url: str, start_bot: Callable[[], EchoBot], tmp_path: Path
) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(emulator_url + "/")
    assert browser.title == "chatproto emulator: chat with your bot"
    wait_for(browser, lambda d: text_of(d, "no-sessions") == "No agent session: start your bot.", "the side panel")

    # The name field has the focus; the keyboard does the rest.
    assert focused_id(browser) == "first-name"
    browser.switch_to.active_element.send_keys("Ada")
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert focused_id(browser) == "question"
    browser.switch_to.active_element.send_keys("Where is my order?", Keys.ENTER)

    # No bot yet: the chat waits in the queue.
    wait_for(browser, lambda d: text_of(d, "status") == "Waiting in the queue for an agent…", "queued")
    wait_for(browser, lambda d: "#1 Ada: QUEUED (queued)" in text_of(d, "engagements"), "the queue in the panel")

    # The bot logs on: it is offered the chat, accepts it and greets.
    bot = start_bot()
    wait_for(browser, lambda d: text_of(d, "status") == "Chatting with agent 12", "taken by the bot")
    wait_for(
        browser,
        lambda d: messages(d) == ["Agent\nHello Ada, I am an echo bot. You asked: Where is my order?"],
        "the bot's greeting",
    )
    wait_for(browser, lambda d: "AVAILABLE" in text_of(d, "sessions"), "the bot's session in the panel")
    wait_for(
        browser,
        lambda d: "200 POST postMessage?pool=297:1" in text_of(d, "requests"),
        "the bot's post in the last requests",
    )

    # Typing: the bot sees it as ChatActivitySignal, with the text as its sneak preview.
    assert focused_id(browser) == "message"
    browser.switch_to.active_element.send_keys("Hello bot")
    wait_for(browser, lambda _: bot.typed and bot.typed[-1] == "Hello bot", "the bot sees the typing")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: len(messages(d)) == 3, "the message and its echo")
    assert messages(browser)[1:] == ["You\nHello bot", "Agent\nYou said: Hello bot"]
    assert bot.heard == ["Hello bot"]
    assert browser.find_element("id", "message").get_attribute("value") == ""

    screenshot = Path(os.environ.get("CHATPROTO_SCREENSHOT") or tmp_path / "chat-page.png")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Leaving, by keyboard: Send, then Leave chat.
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert focused_id(browser) == "send"
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert focused_id(browser) == "leave"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: text_of(d, "status") == "You left the chat.", "left")
    wait_for(browser, lambda _: bot.left == [1], "the bot is told")
    assert browser.find_element("id", "message").get_attribute("disabled") == "true"
    assert focused_id(browser) == "again"
    wait_for(browser, lambda d: "#1 Ada: RELEASED" in text_of(d, "engagements"), "released by the bot")
    state = httpx.get(f"{emulator_url}/emulator/engagements/1", timeout=WAIT_SECONDS).json()
    assert [(entry["sender"], entry["kind"]) for entry in state["transcript"] if entry["kind"] != "TYPING"] == [
        ("AGENT", "MESSAGE"),
        ("END_USER", "MESSAGE"),
        ("AGENT", "MESSAGE"),
        ("END_USER", "LEFT"),
        ("AGENT", "CONCLUDED"),
        ("AGENT", "RELEASED"),
    ]
    assert "Hello bot" in [entry.get("body") for entry in state["transcript"] if entry["kind"] == "TYPING"]

    # Another chat, straight away: the bot asked for one more.
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert focused_id(browser) == "question"
    browser.switch_to.active_element.send_keys("And my invoice?", Keys.ENTER)
    wait_for(
        browser,
        lambda d: messages(d) == ["Agent\nHello Ada, I am an echo bot. You asked: And my invoice?"],
        "the second chat",
    )


def test_every_input_has_a_label_and_new_messages_are_announced(browser: Any, emulator_url: str) -> None:
    browser.get(emulator_url + "/")
    unlabelled = browser.execute_script(
        "return [...document.querySelectorAll('input, textarea, select')]"
        ".filter((e) => !document.querySelector(`label[for='${e.id}']`)).map((e) => e.id || e.name)"
    )
    assert unlabelled == []
    transcript = browser.find_element("id", "transcript")
    assert (transcript.get_attribute("role"), transcript.get_attribute("aria-live")) == ("log", "polite")
    assert browser.find_element("id", "status").get_attribute("role") == "status"
    # Nothing is fetched from anywhere but the emulator: no CDN, no web font.
    sources = browser.execute_script(
        "return performance.getEntriesByType('resource').map((entry) => entry.name).concat([location.href])"
    )
    assert all(source.startswith(emulator_url) for source in sources), sources
