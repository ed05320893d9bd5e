"""``praxis chat``: a terminal client for the Rasa REST channel.

Buttons are shown as numbered choices; type the number to choose one. Line editing and history
come from readline. ``/quit`` or Ctrl-D ends the chat.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import Any

import requests


class ChatError(RuntimeError):
    """The Rasa server could not be reached or answered with an error."""


def send(url: str, sender: str, message: str, timeout: float = 30.0,
         token: str = "") -> list[dict[str, Any]]:
    """Post one message to the REST webhook (with REST_API_TOKEN, if set) and return the bot's
    messages."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = requests.post(f"{url}/webhooks/rest/webhook", headers=headers,
                                 json={"sender": sender, "message": message}, timeout=timeout)
    except requests.RequestException as exc:
        raise ChatError(f"cannot reach Praxis at {url} ({exc.__class__.__name__}); "
                        "is `make run` running?") from exc
    if response.status_code != 200:
        raise ChatError(f"Praxis answered {response.status_code}: {response.text[:200]}")
    return response.json()


def render(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, str]]]:
    """The text to print for the bot's messages, and the buttons offered (numbered from 1)."""
    lines: list[str] = []
    buttons: list[dict[str, str]] = []
    for m in messages:
        if m.get("text"):
            lines.append(m["text"].replace("**", ""))
        for b in m.get("buttons") or []:
            buttons.append(b)
            lines.append(f"  {len(buttons)}) {b.get('title', b.get('payload', ''))}")
    return "\n".join(lines), buttons


def run(url: str, sender: str | None = None, read: Callable[[str], str] = input,
        write: Callable[[str], None] = print, token: str = "") -> int:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    sender = sender or f"terminal-{uuid.uuid4().hex[:12]}"
    write(f"Praxis chat ({url}). Type a message; a number chooses a button; /quit ends.\n")
    buttons: list[dict[str, str]] = []
    message = "hello"
    while True:
        try:
            text, buttons = render(send(url, sender, message, token=token))
        except ChatError as exc:
            write(f"praxis: {exc}")
            return 1
        write(f"\n{text}\n" if text else "")
        typed = ""
        while not typed:
            try:
                typed = read("you> ").strip()
            except (EOFError, KeyboardInterrupt):
                write("")
                return 0
        if typed in ("/quit", "/exit"):
            return 0
        if typed.isdigit() and 1 <= int(typed) <= len(buttons):
            chosen = buttons[int(typed) - 1]
            write(f"(you chose: {chosen.get('title')})")
            message = chosen["payload"]
        else:
            message = typed


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5005"))
