"""Praxis knowledge base: the report sources and the retrieval engine (chunk, embed, index, search).

Runs in the action env (Python 3.11, ``.venv``). Imports nothing else of Praxis and nothing of Rasa.
"""
