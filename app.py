"""WSGI entry point: ``flask --app app ...`` and ``waitress-serve app:app``."""

from cop_vote import create_app

app = create_app()
