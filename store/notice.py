"""What Praxis keeps, where and for how long, in the words every channel shows: one text, so that
the chat, the demo page and the README cannot drift apart."""

from __future__ import annotations


def _days(days: float) -> str:
    n = f"{days:g}"
    return f"{n} day" if n == "1" else f"{n} days"


def how_long(retention_days: float) -> str:
    """How long a conversation and a finished reflection are kept."""
    if retention_days > 0:
        return (f"A conversation is deleted {_days(retention_days)} after its last message, and a "
                f"finished reflection {_days(retention_days)} after you finished it.")
    return "Both are kept until you delete them."


def how_to_delete(channel: str) -> str:
    """How a practitioner deletes everything, on the channel they are using."""
    if channel == "teams":
        return 'Say "delete my data" to delete all of it, your journal included.'
    if channel == "web":
        return ('"Delete my conversation", below the chat, deletes all of it, your journal '
                'included.')
    return ('"Delete my conversation" in the web chat, or "delete my data" in Teams, deletes all '
            'of it, your journal included.')


def what_is_kept(retention_days: float, channel: str = "") -> str:
    """The whole answer to "what do you keep?" (``channel``: "web", "teams" or "")."""
    return (
        "What you write here, and my replies, are stored on the server that runs Praxis for "
        "your institution, so that you can pause a reflection and pick it up again; each "
        "reflection you finish is also kept there, in your journal, so that you can look back "
        f"at it. {how_long(retention_days)} {how_to_delete(channel)} Your messages are not "
        "written to the logs, and Praxis shows your conversation to no one but you; in a group "
        "session, the trainer sees only the answers you choose to share."
    )
