# Backprop Playground: the API and the static page in one image.
FROM python:3.11-slim AS app

RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY constraints.txt package.json package-lock.json ./
COPY backend/pyproject.toml backend/pyproject.toml
COPY backend/backprop_playground backend/backprop_playground
RUN pip install --no-cache-dir -c constraints.txt ./backend \
    && npm ci --omit=dev --no-audit --no-fund
COPY frontend frontend

ENV HOST=0.0.0.0 \
    PORT=8000 \
    WORKERS=2 \
    DATABASE_URL=sqlite:////data/links.sqlite3 \
    FRONTEND_DIR=/app/frontend \
    NODE_MODULES_DIR=/app/node_modules \
    NUMBA_CACHE_DIR=/app/.numba-cache
# compile the kernels once at build time, so containers start warm (with a throwaway link
# store: the image ships no database in the /data volume)
RUN DATABASE_URL=sqlite:////tmp/warm-up/links.sqlite3 python -c "from backprop_playground.app import create_app, warm_up; warm_up(create_app().state.trainer)" \
    && rm -rf /tmp/warm-up

VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/api/v1/health').status != 200)"
CMD ["python", "-m", "backprop_playground"]
