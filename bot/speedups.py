"""A fix, inside the Rasa server, for a cost Rasa 3.6 pays on every custom action call.

Rasa checks each action server response against a JSON schema with ``jsonschema.validate``, which
first validates the *schema itself* against its meta-schema, every call. Profiled under load here,
that was two thirds of the Rasa server's time on a turn that calls the action server. Rasa 3.6
will get no further releases, so Praxis replaces that one method with one that checks the
response against a validator built once: the same schema, the same error (with Rasa's message),
none of the repeated work. ``apply()`` runs when ``bot`` is imported, which Rasa does when it loads
the model (the pipeline names ``bot.components.safety``).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate does on every call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_response_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from "
        f"the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result
