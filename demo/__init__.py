"""The demo cooperative of `make run`, seeded by `python manage.py seed_demo`.

Not a domain app: it sits above every app (like `config`) and imports them plainly, so that
no app has to find the ones above it. See `demo.seed`.
"""
