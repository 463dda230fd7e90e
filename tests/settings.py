"""Test settings: a throwaway DATA_DIR, the real Redis broker on a private queue, a Chroma port of our own.

Values go into the environment before the app's settings are read, so a worker process
started by the tests inherits exactly the same configuration.
"""

import os
import socket
import tempfile


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="manualist-test-"))
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CELERY_QUEUE", f"manualist-test-{os.getpid()}")
os.environ.setdefault("CHROMA_URL", f"http://127.0.0.1:{_free_port()}")
os.environ.setdefault("LLM_BASE_URL", f"http://127.0.0.1:{_free_port()}")
# Assembling a packaged model costs a minute, so test runs share one verified copy.
os.environ.setdefault("MODELS_DIR", os.path.expanduser("~/.cache/manualist-test-models"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from rag_app.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
