"""Sparklines of run metrics, drawn server-side as SVG polylines so a regression shows at a glance."""

from dataclasses import dataclass

# The metrics worth watching over time; all of them are shares between 0 and 1.
CHART_METRICS = {
    "hit_at_k": "hit@k",
    "mrr": "MRR",
    "recall_at_k": "recall@k",
    "no_answer_accuracy": "no-answer accuracy",
    "false_refusal_rate": "false refusal rate",
    "key_fact_recall": "key-fact recall",
    "must_contain_rate": "all key strings",
}
WIDTH, HEIGHT, PAD = 160, 40, 3


@dataclass(frozen=True)
class Sparkline:
    metric: str
    label: str
    points: str  # the SVG polyline's "x,y x,y" list; empty when no run measured the metric
    last_x: float | None
    last_y: float | None
    latest: float | None


def sparklines(metrics_oldest_first: list[dict]) -> list[Sparkline]:
    """Return one sparkline per chart metric over the given runs' metrics, oldest run on the left."""
    return [
        _sparkline(name, label, [metrics.get(name) for metrics in metrics_oldest_first])
        for name, label in CHART_METRICS.items()
    ]


def _sparkline(metric: str, label: str, values: list[float | None]) -> Sparkline:
    """Place each measured value on a fixed 0-1 scale; runs that did not measure it leave a gap in x."""
    step = (WIDTH - 2 * PAD) / max(len(values) - 1, 1)
    coordinates = [
        (round(PAD + index * step, 1), round(HEIGHT - PAD - value * (HEIGHT - 2 * PAD), 1))
        for index, value in enumerate(values)
        if value is not None
    ]
    measured = [value for value in values if value is not None]
    last = coordinates[-1] if coordinates else (None, None)
    return Sparkline(
        metric=metric,
        label=label,
        points=" ".join(f"{x},{y}" for x, y in coordinates),
        last_x=last[0],
        last_y=last[1],
        latest=measured[-1] if measured else None,
    )
