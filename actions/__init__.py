"""Praxis custom actions for Rasa, served by the rasa-sdk action server.

Runs in the action env (Python 3.11, ``.venv``): ``python -m rasa_sdk --actions actions``.
Uses ``knowledge`` for retrieval and ``praxis.config`` for settings; imports nothing of Rasa
itself (only rasa-sdk), since Rasa runs in its own process and env.
"""
