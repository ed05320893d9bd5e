"""What runs inside the Rasa server: training data (``bot/data``), custom NLU components and
channels.

Runs in the Rasa env (Python 3.10, ``.venv-rasa``). Reaches the rest of Praxis only over HTTP.
Importing it applies ``bot.speedups`` and ``bot.resilience`` to the Rasa server.
"""

from bot import resilience, speedups

speedups.apply()
resilience.apply()
