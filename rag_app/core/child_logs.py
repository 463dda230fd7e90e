"""Give each child process a rotated log file of its own, and pass its warnings and errors to the console.

Chroma, Celery, gunicorn and llama.cpp all log freely at INFO; on the console that buries the
app's own messages, while a file per process keeps everything for when something goes wrong.
"""

import logging
import re
import threading
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO

# Lines worth a person's attention, in the formats these programs log in.
_ALARMING = re.compile(r"\b(WARNING|WARN|ERROR|CRITICAL|FATAL|Traceback)\b|\b\w*Error:|\[(warning|error)\]", re.I)


class ChildLog:
    """Write one child's output to ``folder/<name>.log`` (rotated) and echo its alarming lines."""

    def __init__(self, name: str, folder: Path, echo: Callable[[str], None], max_bytes: int = 10_000_000):
        folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.path = folder / f"{name}.log"
        self._echo = echo
        self._logger = logging.getLogger(f"manualist.child.{name}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        for handler in list(self._logger.handlers):
            self._logger.removeHandler(handler)
            handler.close()
        handler = RotatingFileHandler(self.path, maxBytes=max_bytes, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        self._logger.addHandler(handler)

    def follow(self, stream: IO[str]) -> None:
        """Copy ``stream`` line by line until it closes, in a background thread."""
        threading.Thread(target=self._copy, args=(stream,), name=f"log-{self.name}", daemon=True).start()

    def _copy(self, stream: IO[str]) -> None:
        with stream:
            for line in stream:
                line = line.rstrip("\n")
                self._logger.info(line)
                if _ALARMING.search(line):
                    self._echo(f"[{self.name}] {line}")
