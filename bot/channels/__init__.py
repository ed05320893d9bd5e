"""Praxis's own Rasa input channels (Python 3.10 env, loaded by the Rasa server through
``credentials.yml``)."""
