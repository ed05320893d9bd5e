"""Praxis application shell: settings, the ``praxis`` CLI, the terminal chat and the process
supervisor behind ``make run``.

Runs in the action env (Python 3.11, ``.venv``). It starts the Rasa server in the Rasa env
(Python 3.10, ``.venv-rasa``) as a separate process and speaks to it only over HTTP.
"""
