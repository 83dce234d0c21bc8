# syntax=docker/dockerfile:1
# webhooks-service. The build context is the repository root:
#   docker build -f deploy/docker/webhooks-service.Dockerfile -t notes-platform/webhooks-service .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# Build stage: a virtualenv with the service, the shared package and their
# dependencies, every version taken from constraints.txt.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY constraints.txt ./
COPY common ./common
COPY webhooks-service ./webhooks-service
RUN /opt/venv/bin/pip install -c constraints.txt ./common ./webhooks-service

# Runtime stage: the virtualenv only, no build context, run as an unprivileged user.
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Migrations ship in the image: `alembic upgrade head` runs as a one-shot
# container (compose's webhooks-service-migrate, the Kubernetes Job) before the service starts.
COPY --chown=root:root webhooks-service/alembic.ini ./alembic.ini
COPY --chown=root:root webhooks-service/migrations ./migrations
USER 10001:10001
EXPOSE 8003
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8003/health/live', timeout=2)"]
# Graceful shutdown (20 s) stays below the orchestrators' stop timeouts:
# compose stop_grace_period 30s, Kubernetes terminationGracePeriodSeconds 40.
# X-Forwarded-* are applied inside the app, from the peers its *_TRUSTED_PROXIES
# names (the gateway's network) only, so uvicorn's own handling stays off.
CMD ["uvicorn", "--factory", "webhooks_service.main:app", "--host", "0.0.0.0", "--port", "8003", \
     "--timeout-graceful-shutdown", "20", "--no-access-log", "--no-proxy-headers", "--no-server-header", \
     "--http", "platform_common.http_protocol:BoundedHttpToolsProtocol"]
