"""How a bot message looks in Teams: text as Markdown, or an Adaptive Card when it has choices or
quoted passages (each passage in an emphasised "From the report" container with its source, each
choice an ``Action.Submit`` button that sends its payload and shows its title)."""

from __future__ import annotations

from typing import Any

CARD = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def citation(block: dict[str, Any]) -> dict[str, Any]:
    where = ", ".join(p for p in (block.get("author"), f"“{block['source']}”"
                                  if block.get("source") else "") if p)
    items = [text_block(f"{block.get('label') or 'From the report'}: {block.get('section', '')}",
                        weight="Bolder", size="Small"),
             text_block(f"“{block.get('quote', '')}”")]
    if where:
        items.append(text_block(f"Source: {where}", size="Small", isSubtle=True))
    return {"type": "Container", "style": "emphasis", "items": items}


def choice(button: dict[str, Any]) -> dict[str, Any]:
    title, payload = str(button.get("title", "")), str(button.get("payload", ""))
    return {"type": "Action.Submit", "title": title,
            "data": {"payload": payload,
                     "msteams": {"type": "messageBack", "displayText": title, "text": payload}}}


def activity_for(message: dict[str, Any]) -> dict[str, Any] | None:
    """The Teams activity for one bot message (Rasa's dict of text, buttons, custom); None for a
    message with nothing to show."""
    custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
    blocks = custom.get("blocks") if isinstance(custom.get("blocks"), list) else None
    buttons = message.get("buttons") or message.get("quick_replies") or []
    text = message.get("text") or ""
    if not blocks and not buttons:
        return {"type": "message", "text": text, "textFormat": "markdown"} if text else None
    body = [citation(b) if b.get("type") == "citation" else text_block(str(b.get("text", "")))
            for b in blocks or [] if isinstance(b, dict)] or [text_block(text)]
    card: dict[str, Any] = {"type": "AdaptiveCard", "version": CARD_VERSION,
                            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "body": body}
    if buttons:
        card["actions"] = [choice(b) for b in buttons]
    return {"type": "message", "summary": text[:200],
            "attachments": [{"contentType": CARD, "content": card}]}
