"""Manualist settings: environment-driven, with embedded defaults that keep all state in DATA_DIR.

Production differs only by environment (see .env.example): DATABASE_URL, CELERY_BROKER_URL,
CHROMA_URL, SECRET_KEY, MANUALIST_ENV=production and friends.
"""

import datetime
import secrets
from pathlib import Path

import dj_database_url

from rag_app.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

PRODUCTION = env_str("MANUALIST_ENV", "embedded") == "production"


def _embedded_secret_key() -> str:
    """Keep one generated key per DATA_DIR so sessions survive restarts of the embedded app."""
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY") or (None if PRODUCTION else _embedded_secret_key())
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set in the environment when MANUALIST_ENV=production.")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rag_app.core",
    "rag_app.documents",
    "rag_app.chat",
    "rag_app.audit",
    "rag_app.evaluations",
    "rag_app.api",
    "rag_app.tuning",
    "ninja",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "rag_app.core.security.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rag_app.urls"
WSGI_APPLICATION = "rag_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at the same time: WAL and immediate
    # transactions turn "database is locked" errors into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so a worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes): after LOGIN_FAILURE_LIMIT failures for one account, or from
# one address, that account or address waits LOGIN_LOCKOUT_MINUTES; each failure during the wait
# starts it again. `python manage.py axes_reset_username NAME` lifts a lock early.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For entries to trust, so each
# client keeps its own address; 0 (direct connections) uses the connection's address.
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "uploads"

# Uploads go to temporary files, and nothing past MAX_UPLOAD_MB of one file is written.
FILE_UPLOAD_HANDLERS = ["rag_app.documents.uploads.SizeCappedUploadHandler"]
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 100)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Compose and load balancers poll /health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Celery: Redis in production and tests; the embedded default uses kombu's
# filesystem transport under DATA_DIR so no extra server is needed.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = DATA_DIR / "broker"
    (_queue_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # A broker that is down must not hang an upload: fail fast, the sweeper sends it later.
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "manualist")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
INGEST_SOFT_TIME_LIMIT = env_int("INGEST_SOFT_TIME_LIMIT", 1800)
# A worker renews its lease on the document it reads every quarter of this; past it, the
# sweeper takes the worker for dead and queues the document again, up to this many times.
INGEST_LEASE_SECONDS = env_int("INGEST_LEASE_SECONDS", 60)
MAX_INGEST_INTERRUPTIONS = env_int("MAX_INGEST_INTERRUPTIONS", 3)

# Retrieval store and models.
CHROMA_URL = env_str("CHROMA_URL", "http://127.0.0.1:8001")
# Seconds one request to the Chroma server may take before it fails (a hung server).
CHROMA_TIMEOUT = env_float("CHROMA_TIMEOUT", 30)
CHROMA_PATH = DATA_DIR / "chroma"
EMBEDDING_MODEL_PATH = env_str("EMBEDDING_MODEL_PATH")
EMBEDDING_BATCH_SIZE = env_int("EMBEDDING_BATCH_SIZE", 8)
# Embed in bfloat16: empty for where the CPU has it natively (AVX-512 BF16, AMX), else true or false.
EMBEDDING_BFLOAT16 = env_bool("EMBEDDING_BFLOAT16") if env_str("EMBEDDING_BFLOAT16").strip() else None
CHUNK_TOKENS = env_int("CHUNK_TOKENS", 200)
CHUNK_OVERLAP_TOKENS = env_int("CHUNK_OVERLAP_TOKENS", 30)
# One manual may not pass these (a file past them is refused with the reason): pages, or
# sections of a text file, and passages. The largest real manual tried, 1,158 pages, made 4,805.
MAX_DOCUMENT_PAGES = env_int("MAX_DOCUMENT_PAGES", 5000)
MAX_DOCUMENT_CHUNKS = env_int("MAX_DOCUMENT_CHUNKS", 30000)
MODELS_DIR = Path(env_str("MODELS_DIR", str(DATA_DIR / "models"))).resolve()

# Retrieval. RETRIEVAL_MIN_SCORE is the cosine similarity a chunk needs to be used; see README.
RETRIEVAL_TOP_K = env_int("RETRIEVAL_TOP_K", 5)
# Fuse BM25 keyword search with dense search (their scores, answering.retrieve.fuse_scores).
RETRIEVAL_HYBRID = env_bool("RETRIEVAL_HYBRID", True)
# Ask the chat model for the manual's likely terms and add them to keyword search (README: "Retrieval").
RETRIEVAL_SEARCH_TERMS = env_bool("RETRIEVAL_SEARCH_TERMS", True)
# Let a found section that says "See <another section>" yield its place to that section (answering.references).
RETRIEVAL_FOLLOW_REFERENCES = env_bool("RETRIEVAL_FOLLOW_REFERENCES", True)
RETRIEVAL_MIN_SCORE = env_float("RETRIEVAL_MIN_SCORE", 0.3)
# LLM tokens of sources one prompt may carry; the model reads them all before its first token.
RETRIEVAL_CONTEXT_TOKENS = env_int("RETRIEVAL_CONTEXT_TOKENS", 1200)
# LLM tokens of those passages' best sentences the model is given (answering.evidence); 0 gives it
# the whole passages.
EVIDENCE_TOKENS = env_int("EVIDENCE_TOKENS", 400)
# The checks that may answer "not in the manuals" instead of the model (rag_app.chat.services.CHECKS):
# terms (the question names what the manuals never mention) and quotes (the answer's quoted words
# are in no manual) by default; paths and names, measured not to pay on the held-out manuals, may
# be added. An evaluation reports what each would withdraw, enabled or not.
ANSWER_CHECKS = env_list("ANSWER_CHECKS", "terms,quotes")
# A local sentence-transformers CrossEncoder folder that reorders candidates; empty turns it off.
RERANKER_MODEL_PATH = env_str("RERANKER_MODEL_PATH")
NO_ANSWER_MESSAGE = env_str(
    "NO_ANSWER_MESSAGE",
    "The manuals don't cover this. Try rephrasing, or pick another collection.",
)

# The LLM runs in a server process of its own and the app talks to it over OpenAI's API.
# With LLM_BASE_URL on loopback (the default), runapp starts llama-cpp-python's server with
# LLM_MODEL (a packaged model) or LLM_MODEL_PATH (any GGUF) and restarts it when it dies;
# elsewhere it names a server run separately (vLLM, Ollama, llama.cpp), with LLM_MODEL_NAME.
LLM_BASE_URL = env_str("LLM_BASE_URL", "http://127.0.0.1:8002")
LLM_MODEL = env_str("LLM_MODEL", "qwen2.5-coder-1.5b-instruct")
LLM_MODEL_PATH = env_str("LLM_MODEL_PATH")
LLM_MODEL_NAME = env_str("LLM_MODEL_NAME")
LLM_API_KEY = env_str("LLM_API_KEY")
LLM_CONTEXT_SIZE = env_int("LLM_CONTEXT_SIZE", 4096)
LLM_THREADS = env_int("LLM_THREADS", 0)
LLM_TEMPERATURE = env_float("LLM_TEMPERATURE", 0.1)
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 384)
LLM_STOP = env_list("LLM_STOP")
LLM_SEED = env_int("LLM_SEED", 0)
LLM_REPEAT_PENALTY = env_float("LLM_REPEAT_PENALTY", 1.1)
# Seconds: silence on the line, no new piece mid-answer, and the whole answer, queueing included.
LLM_READ_TIMEOUT = env_float("LLM_READ_TIMEOUT", 60)
LLM_STALL_TIMEOUT = env_float("LLM_STALL_TIMEOUT", 120)
LLM_TOTAL_TIMEOUT = env_float("LLM_TOTAL_TIMEOUT", 900)
# The line for the model (rag_app/chat/line.py): answers written at once (the LLM server's
# parallel slots), and answers waiting or being written beyond which askers hear "busy".
# Each holds a web thread, so web threads should exceed ANSWER_LINE_LIMIT (runapp: 32 threads).
ANSWER_SLOTS = env_int("ANSWER_SLOTS", 1)
ANSWER_LINE_LIMIT = env_int("ANSWER_LINE_LIMIT", 24)

# LoRA training from a collection (rag_app/tuning/training.py) runs in a Celery worker on the
# CPU; these caps keep one job's cost known and a small machine usable while it runs.
TRAINING_MAX_STEPS = env_int("TRAINING_MAX_STEPS", 60)
TRAINING_MAX_PAIRS = env_int("TRAINING_MAX_PAIRS", 128)
TRAINING_THREADS = env_int("TRAINING_THREADS", 1)
TRAINING_MAX_SEQ_TOKENS = env_int("TRAINING_MAX_SEQ_TOKENS", 512)
TRAINING_RANK = env_int("TRAINING_RANK", 8)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "chromadb": {"level": "WARNING"}},
}
