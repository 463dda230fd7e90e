"""Load a running Manualist with concurrent askers and measure what they and page readers wait.

Against an app started with `python manage.py runapp` (same DATA_DIR and DATABASE_URL in this
shell, so the bench can create its staff accounts bench-1 … bench-N). For each level, N users
ask at once while a reader loads pages (/login/, /chat/, a stylesheet) every 0.25 s. Baseline in
the same run: the same page loads with no answer in flight. Run:

    python bench/chat_load.py --collection "Real manuals" [--users 1,5,10,20] [--url http://127.0.0.1:8000]
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rag_app.settings")

PASSWORD = "bench-password-123"
PAGES = ("/login/", "/chat/", "/static/css/app.css")
QUESTIONS = [
    "How do I set the default output terminal?",
    "How can I check the replication status?",
    "How do I print a test page?",
    "How do I save a plot as a PNG file?",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--collection", required=True, help="Name of a collection with ready manuals.")
    parser.add_argument("--users", default="1,5,10,20", help="Comma-separated numbers of concurrent askers.")
    parser.add_argument("--timeout", type=float, default=900, help="Seconds one level may take at most.")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",")]
    collection_id = _prepare_accounts(args.collection, max(levels))

    reader = _logged_in(args.url, "bench-reader")
    baseline = _page_loads(reader, seconds=10)
    rows = [_row("no answers (baseline)", baseline, baseline, [], 0.0)]
    for users in levels:
        results, page_ms, elapsed = _run_level(args.url, collection_id, users, reader, args.timeout)
        rows.append(_row(f"{users} askers", page_ms, baseline, results, elapsed))
    _print_table(rows)
    print(json.dumps(rows, indent=2))


def _prepare_accounts(collection_name: str, count: int) -> int:
    """Create (or reset) the bench's staff accounts and return the collection's id."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from rag_app.core.roles import ensure_roles
    from rag_app.documents.models import Collection

    staff = ensure_roles()["staff"]
    for name in ["bench-reader", *(f"bench-{n}" for n in range(1, count + 1))]:
        user, _ = get_user_model().objects.get_or_create(username=name)
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(staff)
    return Collection.objects.get(name=collection_name).pk


def _logged_in(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    client.get("/login/")
    client.post(
        "/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"{url}/login/"},
    )
    if "sessionid" not in client.cookies:
        raise SystemExit(f"Could not log in as {username}.")
    return client


def _page_loads(client: httpx.Client, seconds: float, until: threading.Event | None = None) -> list[float]:
    """Load the pages in turn every 0.25 s, for ``seconds`` or until ``until`` is set; return milliseconds."""
    timings = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not (until and until.is_set()):
        started = time.perf_counter()
        client.get(PAGES[len(timings) % len(PAGES)])
        timings.append((time.perf_counter() - started) * 1000)
        time.sleep(0.25)
    return timings


def _ask(client: httpx.Client, collection_id: int, question: str) -> dict:
    """Ask one question and read its stream; return the first-token and total seconds, or the error."""
    data = {"question": question, "collections": collection_id}
    headers = {"X-CSRFToken": client.cookies["csrftoken"], "Referer": str(client.base_url) + "/chat/"}
    started = time.perf_counter()
    first = None
    try:
        with client.stream("POST", "/chat/ask/", data=data, headers=headers, timeout=None) as response:
            if response.status_code != 200:
                return {"error": f"HTTP {response.status_code}: {response.read().decode()[:80]}"}
            for line in response.iter_lines():
                if first is None and ('"type": "token"' in line or '"type": "done"' in line):
                    first = time.perf_counter() - started
    except httpx.HTTPError as error:
        return {"error": type(error).__name__}
    return {"first_token_s": first, "total_s": time.perf_counter() - started}


def _run_level(url, collection_id, users, reader, timeout):
    clients = [_logged_in(url, f"bench-{n}") for n in range(1, users + 1)]
    results = [None] * users
    done = threading.Event()

    def asker(index):
        results[index] = _ask(clients[index], collection_id, QUESTIONS[index % len(QUESTIONS)])

    started = time.monotonic()
    threads = [threading.Thread(target=asker, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()

    def watch():
        for thread in threads:
            thread.join()
        done.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    page_ms = _page_loads(reader, timeout, until=done)
    watcher.join()
    return [r for r in results if r is not None], page_ms, time.monotonic() - started


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _row(label, page_ms, baseline_ms, results, elapsed):
    answered = [r for r in results if "error" not in r]
    first = [r["first_token_s"] for r in answered if r["first_token_s"] is not None]
    page_p95 = _percentile(page_ms, 0.95)
    base_p95 = _percentile(baseline_ms, 0.95)
    return {
        "level": label,
        "page_p50_ms": _round(statistics.median(page_ms) if page_ms else None),
        "page_p95_ms": _round(page_p95),
        "page_p95_vs_baseline": _round(page_p95 / base_p95 if page_p95 and base_p95 else None, 2),
        "page_max_ms": _round(max(page_ms) if page_ms else None),
        "first_token_p50_s": _round(_percentile(first, 0.5), 1),
        "first_token_p95_s": _round(_percentile(first, 0.95), 1),
        "answers_per_min": _round(len(answered) / elapsed * 60 if elapsed else None, 2),
        "errors": [r["error"] for r in results if "error" in r],
    }


def _round(value, digits=0):
    return None if value is None else round(value, digits)


def _print_table(rows):
    print("| load | page p50 | page p95 | p95 vs baseline | page max | first token p50 | p95 | answers/min | errors |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        keys = ["level", "page_p50_ms", "page_p95_ms", "page_p95_vs_baseline", "page_max_ms", "first_token_p50_s",
                "first_token_p95_s", "answers_per_min"]  # fmt: skip
        cells = [row[key] for key in keys] + [len(row["errors"])]
        print("| " + " | ".join("—" if cell is None else str(cell) for cell in cells) + " |")


if __name__ == "__main__":
    main()
