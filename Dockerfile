# One image for web (gunicorn), worker and beat (Celery) and the one-shot migrate job.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The processes run from the source tree: settings find templates/, static/ and
    # config/locale/ next to the code, so /app must win over the copy pip installs.
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MEDIA_ROOT=/data/media

# The PostgreSQL major version of docker-compose.yml's `postgres` service. pg_dump snapshots
# the venue template (tenants.schema_clone) and must be that version or newer; Debian bookworm
# only ships 15, so the client comes from the PostgreSQL project's own Debian repository
# (apt.postgresql.org, enabled by the script and signing key Debian's postgresql-common ships).
ARG PG_MAJOR=16
ENV PARTERRE_PG_DUMP=/usr/lib/postgresql/${PG_MAJOR}/bin/pg_dump

# WeasyPrint (PDF tickets and statements) needs Pango and HarfBuzz, and at least one font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-common \
    && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
    && apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN pip install .

# Static files are collected into the image (/app/staticfiles). The base settings need no
# secret, so the build never sees production values.
RUN DJANGO_SETTINGS_MODULE=config.settings.base python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --home-dir /app parterre \
    && mkdir -p /data/media \
    && chown -R parterre /data/media
USER parterre

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4"]
