# Production-like image: Python 3.11, front-end assets built from npm packages, static files collected.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/assets.sh scripts/assets.sh
RUN bash scripts/assets.sh

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 1000 probation
COPY pyproject.toml ./
COPY probation probation
COPY cases cases
COPY partners partners
COPY safeguarding safeguarding
COPY resettlement resettlement
RUN pip install --upgrade pip && pip install .
COPY . .
COPY --from=assets /app/static/vendor static/vendor
RUN DJANGO_ENV=development python manage.py collectstatic --noinput
USER probation
EXPOSE 8000
CMD ["gunicorn", "probation.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
