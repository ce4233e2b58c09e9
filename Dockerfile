# normbot: slim Python, non-root, data on a volume, `normbot run` as the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    NORMBOT_CONFIG=/data/normbot.toml \
    NORMBOT_DATABASE_URL=sqlite+aiosqlite:////data/normbot.db \
    NORMBOT_KEY_DIR=/data/keys \
    NORMBOT_HEALTH_LISTEN=0.0.0.0:9464

# Set PIP_EXTRA_INDEX_URL to PyTorch's CPU wheel index to keep the image small (see docs/deploy.md).
ARG PIP_EXTRA_INDEX_URL=""

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin normbot \
    && mkdir -p /data && chown normbot:normbot /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY norms ./norms
COPY moderation ./moderation
COPY storage ./storage
RUN pip install ".[ml,web]"

USER normbot
VOLUME ["/data"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:9464/healthz', timeout=4).status == 200 else 1)"]

ENTRYPOINT ["normbot"]
CMD ["run", "--config", "/data/normbot.toml"]
