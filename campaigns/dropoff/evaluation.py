"""Evaluating the method (pure Python; `manage.py bench_dropoff` prints what these return).

- `simulate`: audience histories with the heterogeneity of a real one — each contact's rate
  drawn from a gamma (Poisson-gamma visits), a geometric dropout after each visit with a
  beta-distributed probability (contacts churn on their own, as BG/NBD assumes) — plus planted
  changes the method should find: drifters whose rate drops by 30–70 % at a point of the last
  year, and loyal contacts who stop. The truth is the process, not the method's thresholds:
  a contact "has dropped off" when their true rate at the end is at least 30 % below their
  earlier one (a drift, or a stop of any cause — planted or their own dropout — in the last
  two years).
- `evaluate_alerts`: precision and recall of the alert list against that truth, and the AUC of
  the drift score, among the contacts with enough history to be judged.
- `evaluate_no_return`: the "who will not come back next period" ranking on any
  (customer, date) transactions, against the original BG/NBD and the recency baseline.
"""

from __future__ import annotations

import csv
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from .method import Thresholds, assess, auc, fit_bgnbd, summarise, visit_days


@dataclass
class Simulated:
    days: list[date]
    dropped: bool  # the truth: their rate at the end is clearly below their own history
    planted: str  # "drift", "stop" or ""
    future: list[date]  # visits in the quarter after the end (for the no-return ranking)


def simulate(
    *, contacts: int = 3000, years: int = 6, end: date = date(2026, 9, 1), seed: int = 12
) -> list[Simulated]:
    rng = random.Random(seed)  # noqa: S311 (simulation)
    start = end - timedelta(days=365 * years)
    horizon = end + timedelta(days=91)
    out = []
    for _ in range(contacts):
        # Visits per quarter: gamma(shape 1.2, mean 1.5) — many occasional, a few faithful.
        rate = rng.gammavariate(1.2, 1.5 / 1.2) / 91.3  # per day
        dropout = rng.betavariate(1.0, 14.0)  # after each visit
        first = start + timedelta(days=rng.randrange(0, 365 * years - 90))
        planted = ""
        change_at = None
        factor = 1.0
        roll = rng.random()
        if roll < 0.08:
            planted, factor = "drift", 1 - rng.uniform(0.3, 0.7)
            change_at = end - timedelta(days=rng.randrange(180, 400))
        elif roll < 0.12:
            planted, factor = "stop", 0.0
            change_at = end - timedelta(days=rng.randrange(180, 500))
        days: list[date] = [first]
        now = first
        dead_at = None
        while True:
            if rng.random() < dropout:
                dead_at = now
                break
            current = rate * (factor if change_at and now >= change_at else 1.0)
            if current <= 0:
                break
            now = now + timedelta(days=rng.expovariate(current))
            if change_at and now >= change_at and factor < 1.0 and days[-1] < change_at:
                # The pace changes at change_at: redraw the wait from there (memoryless).
                if factor == 0.0:
                    break
                now = change_at + timedelta(days=rng.expovariate(rate * factor))
            if now >= horizon:
                break
            days.append(now)
        history = [d for d in days if d < end]
        future = [d for d in days if end <= d < horizon]
        recent_cut = end - timedelta(days=730)
        stopped = (dead_at is not None and recent_cut <= dead_at < end) or (
            planted == "stop" and change_at is not None and history and history[-1] >= recent_cut
        )
        drifted = planted == "drift" and change_at is not None and change_at > first
        out.append(Simulated(history, stopped or drifted, planted, future))
    return out


def evaluate_alerts(
    histories: list[Simulated],
    *,
    end: date,
    thresholds: Thresholds = Thresholds(),  # noqa: B008
) -> dict:
    model = fit_bgnbd(s for h in histories if (s := summarise(h.days, end)) is not None)
    judged = flagged = hits = positives = 0
    scores, labels = [], []
    # Baselines without a test: a plain ratio ("30 % fewer visits than before") and the
    # "lapsed" rule (no visit for a year).
    naive = {"ratio": [0, 0], "lapsed": [0, 0]}
    for h in histories:
        if not h.days:
            continue
        a = assess(h.days, end, model=model, thresholds=thresholds)
        if not a.eligible:
            continue
        judged += 1
        positives += h.dropped
        if a.kind:
            flagged += 1
            hits += h.dropped
        scores.append(a.evidence)
        labels.append(h.dropped)
        fired = {
            "ratio": a.recent_rate <= (1 - thresholds.min_drop) * a.historical_rate,
            "lapsed": (end - a.last_visit).days >= 365,
        }
        for name, on in fired.items():
            if on:
                naive[name][0] += 1
                naive[name][1] += h.dropped
    return {
        "judged": judged,
        "positives": positives,
        "alerts": flagged,
        "precision": hits / flagged if flagged else float("nan"),
        "recall": hits / positives if positives else float("nan"),
        "auc": auc(scores, labels),
        **{
            f"{name}_{what}": value
            for name, (alerts, right) in naive.items()
            for what, value in (
                ("precision", right / alerts if alerts else float("nan")),
                ("recall", right / positives if positives else float("nan")),
            )
        },
    }


def evaluate_no_return(
    transactions: dict[str, list[date]], *, split: date, horizon_days: int
) -> dict:
    """AUC of ranking "no purchase in [split, split + horizon)" among customers who bought
    before the split: our score (MBG/NBD), the original BG/NBD, and days since the last
    purchase."""
    end = split + timedelta(days=horizon_days)
    summaries, labels = [], []
    for times in transactions.values():
        days = visit_days(times)
        s = summarise(days, split)
        if s is None:
            continue
        summaries.append(s)
        labels.append(not any(split <= d < end for d in days))
    horizon = horizon_days / 7
    ours = fit_bgnbd(summaries)
    plain = fit_bgnbd(summaries, modified=False)
    result = {"customers": len(summaries), "no_return": sum(labels)}
    if ours is None or plain is None:
        return {**result, "auc": math.nan, "auc_bgnbd": math.nan, "auc_recency": math.nan}
    return {
        **result,
        "auc": auc([ours.p_no_visit(s, horizon) for s in summaries], labels),
        "auc_bgnbd": auc([plain.p_no_visit(s, horizon) for s in summaries], labels),
        "auc_recency": auc([s.T - s.t_x for s in summaries], labels),
        "model": ours,
    }


def _parse_day(raw: str) -> date | None:
    raw = raw.strip().strip('"')[:10]
    if len(raw) >= 8 and raw[:8].isdigit():
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:8]}"
    try:
        return date.fromisoformat(raw.replace("/", "-"))
    except ValueError:
        return None


def _columns(header: list[str]) -> tuple[int, int]:
    """(customer, date) column positions from a header's names; (0, 1) when it names
    neither."""
    names = [h.strip().strip('"').lower() for h in header]
    customer = next((i for i, n in enumerate(names) if "cust" in n or n in ("id", "user")), 0)
    when = next((i for i, n in enumerate(names) if "date" in n or "time" in n), 1)
    return customer, when


def read_transactions(path: str) -> dict[str, list[date]]:
    """(customer, date) rows of a CSV, semicolon, tab or whitespace-separated file, with or
    without a header. The columns are found by the header's names (a customer/id column, a
    date/time one), else the first two. Dates: ISO (YYYY-MM-DD, a time may follow) or
    YYYYMMDD (CDNOW's raw file reads as it is)."""
    found: dict[str, list[date]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    if not lines:
        return found
    sample = lines[0]
    delimiter = next((d for d in (",", ";", "\t") if d in sample), None)
    rows = csv.reader(lines, delimiter=delimiter) if delimiter else (line.split() for line in lines)
    customer, when = 0, 1
    for n, row in enumerate(rows):
        if n == 0 and (len(row) < 2 or _parse_day(row[1]) is None):
            customer, when = _columns(row)  # a header
            continue
        if len(row) <= max(customer, when) or not row[customer].strip():
            continue
        day = _parse_day(row[when])
        if day is not None:
            found[row[customer].strip().strip('"')].append(day)
    return found
