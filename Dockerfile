# Production-like image: Python 3.11, front-end assets built from npm packages, static files collected with their
# manifest. Both build steps are scripts/build.sh, the script the README's steps and the production smoke test run.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/assets.sh scripts/build.sh scripts/
RUN bash scripts/build.sh assets

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
RUN bash scripts/build.sh static
USER probation
EXPOSE 8000
CMD ["gunicorn", "probation.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
