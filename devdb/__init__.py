"""The embedded PostgreSQL for development and tests (the `devdb` extra): its starter
(`pgserver.py`) and the database backend that starts it on first connection
(`embedded_db/`). Only settings refers to it, and only when DATABASE_URL is unset.
"""
