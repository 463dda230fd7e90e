"""Run one training in a process of its own, so the memory a base model takes is returned when it ends.

    python -m tuning.run JOB.json

The job file holds ``base`` (a GGUF path), ``out`` (where the adapter goes), ``config``
(TrainingConfig's fields) and ``pairs`` (TrainingPair's fields). Each line on stdout is
JSON: ``{"stage", "done"}`` while it runs, then ``{"report": {...}}`` or ``{"error": "..."}``.
The exit status is 0 only with a report.
"""

import json
import sys
from dataclasses import asdict
from pathlib import Path

from tuning.pairs import TrainingPair
from tuning.train import TrainingConfig, TrainingError, train_lora


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    fields = dict(job["config"])
    if "target_modules" in fields:
        fields["target_modules"] = tuple(fields["target_modules"])
    config = TrainingConfig(**fields)
    pairs = [TrainingPair(**pair) for pair in job["pairs"]]

    def report_progress(stage: str, done: float) -> None:
        print(json.dumps({"stage": stage, "done": done}), flush=True)

    try:
        report = train_lora(Path(job["base"]), pairs, Path(job["out"]), config, on_progress=report_progress)
    except TrainingError as error:
        print(json.dumps({"error": str(error)}), flush=True)
        return 1
    print(json.dumps({"report": asdict(report)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
