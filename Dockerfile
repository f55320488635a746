# The sidecar image: slim, non-root, with a health check on /readyz.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bridge ./bridge
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin bridge
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER bridge
ENV FCT_BRIDGE_HOST=0.0.0.0 FCT_BRIDGE_PORT=8787 FCT_BRIDGE_WP_CONFIG=/var/www/html/wp-config.php
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8787/readyz', timeout=2).status == 200 else 1)"
CMD ["python", "-m", "bridge"]
