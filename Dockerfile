# The fct-bridge sidecar: slim, non-root, healthy only when /readyz answers (wp-config.php loaded and
# MariaDB reachable). Built by docker-compose.yml; the build context is only what .dockerignore lets in
# (pyproject.toml, README.md, bridge/).

# --- build: wheels of the project and its dependencies, installed into a virtualenv ----------------
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bridge ./bridge
RUN pip wheel --no-cache-dir --disable-pip-version-check --wheel-dir /wheels . \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-index /wheels/*.whl

# --- runtime: the virtualenv only (no compiler, no wheels, no sources) ---------------------------------
FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 10001 bridge \
 && useradd --system --uid 10001 --gid bridge --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin bridge
COPY --from=build /opt/venv /opt/venv
# Serve on every interface *inside the container*; docker-compose.yml publishes nothing of it by default.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FCT_BRIDGE_HOST=0.0.0.0 \
    FCT_BRIDGE_PORT=8787 \
    FCT_BRIDGE_WP_CONFIG=/var/www/html/wp-config.php
USER 10001:10001
EXPOSE 8787
# urlopen() raises on 503 ("not ready") and on connection errors: any exception is "unhealthy".
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('FCT_BRIDGE_PORT', '8787'), timeout=2)"]
STOPSIGNAL SIGTERM
CMD ["python", "-m", "bridge"]
