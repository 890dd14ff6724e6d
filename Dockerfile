# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=lms.settings.production

WORKDIR /app
COPY scripts/install-system-deps.sh scripts/
RUN ./scripts/install-system-deps.sh && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY lms/__init__.py lms/
COPY courses/__init__.py courses/
COPY certificates/__init__.py certificates/
RUN pip install --no-cache-dir -e .

COPY . .
RUN make messages \
    && SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       python manage.py collectstatic --no-input \
    && useradd --system --uid 1000 --home /app parcours \
    && mkdir -p /app/media && chown -R parcours /app/media

USER parcours
EXPOSE 8000
CMD ["gunicorn", "lms.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
