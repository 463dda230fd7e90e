# One image for the web server and the Celery workers.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake git \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY rag_app rag_app
COPY ingestion ingestion
COPY answering answering
COPY templates templates
COPY static static
COPY manage.py ./
# torch is pinned to the CPU build; the extra index keeps pip from pulling CUDA wheels.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu -e .
ENV DATA_DIR=/data HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
CMD ["gunicorn", "rag_app.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--threads", "8"]
