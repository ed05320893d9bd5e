"""Custom Rasa graph components (Rasa env, Python 3.10)."""
