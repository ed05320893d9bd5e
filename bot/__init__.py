"""What runs inside the Rasa server: training data (``bot/data``) and custom NLU components.

Runs in the Rasa env (Python 3.10, ``.venv-rasa``). Reaches the rest of Praxis only over HTTP.
Importing it applies ``bot.speedups`` to the Rasa server.
"""

from bot import speedups

speedups.apply()
