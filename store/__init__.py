"""The app store (Python 3.11 env): what Praxis keeps besides the conversations themselves, i.e.
the practitioners' finished reflections (their journal).

No Rasa import: the action server and the web app both use it. SQLAlchemy, on SQLite by default
(``var/praxis.db``) and PostgreSQL through ``DATABASE_URL``; the schema is made and upgraded by
Alembic migrations (``store/migrations``), run when a process first opens the store.
"""
