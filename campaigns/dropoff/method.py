"""The drop-off method, as pure functions (no Django, no database): a contact's visit times and
the end of the observation in, a score and an explanation out. See docs/dropoff.md.

Two parts, each answering its own question:

1. **Will this person come back at all?** A BG/NBD model (Fader, Hardie & Lee 2005, "Counting
   your customers the easy way") fitted once per venue by maximum likelihood on every
   contact's (x = repeat visits, t_x = time of the last visit, T = time observed), all
   measured from the contact's first visit. Each contact visits as a Poisson process of rate
   λ (gamma-distributed across the audience: r, α) and, after each visit, stops for good with
   probability p (beta-distributed: a, b). It gives, in closed form:
   - P(alive), the probability the person has not stopped;
   - P(no visit in the next `horizon`) = 1 − P(alive) + P(alive)·((α+T)/(α+T+h))^(r+x),
     which ranks "who will not come back next period" (the λ of an alive contact has the
     posterior gamma(r + x, α + T), and an alive contact only stops right after a visit).
   Why BG/NBD: it is the classic, well-tested model for "buy till you die" data, needs only
   three numbers per contact, borrows strength across the audience (a contact seen twice is
   not judged like one seen forty times), and its outputs are probabilities a person can read.

2. **Does this person still come, but clearly less?** A per-contact rate comparison: the
   visits of the recent window (the last `lookback` days) against the contact's own earlier
   rate. Under "same rate as before", the number of the n visits that fall in the recent
   window is Binomial(n, L_recent / L_total) (the conditional test for two Poisson rates,
   Przyborowski & Wilenski 1940); the one-sided p-value P(X ≤ observed) says how surprising
   the drop is. It explains itself: "came 3.1×/quarter 2019–2024, 1.0×/quarter since…".

The alert list uses both: "stopped" is a regular contact whose silence is improbable at their
own rate (and whom BG/NBD now gives a low P(alive)); "drifting" is a significant rate drop of
at least `min_drop`. The ranking for "won't come back next period" is (1) alone.

Time unit: weeks (the model is scale-free; weeks keep α of order one for numerics).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

DAY = 1 / 7  # one day in weeks
QUARTER_DAYS = 365.25 / 4


# --- Customers' summaries ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """BG/NBD's sufficient statistics, in weeks from the first visit."""

    x: int  # repeat visits (visits after the first)
    t_x: float  # time of the last visit
    T: float  # time observed (first visit → observation end)


def visit_days(times: Iterable[datetime | date]) -> list[date]:
    """Distinct days with a visit, sorted: two tickets or two shows on the same day are one
    outing (as buy-till-you-die data is usually prepared)."""
    days = {t.date() if isinstance(t, datetime) else t for t in times}
    return sorted(days)


def summarise(days: Sequence[date], end: date) -> Summary | None:
    """None when the contact has no visit before `end`."""
    before = [d for d in days if d < end]
    if not before:
        return None
    first, last = before[0], before[-1]
    return Summary(
        x=len(before) - 1,
        t_x=(last - first).days * DAY,
        T=(end - first).days * DAY,
    )


# --- BG/NBD -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BGNBD:
    r: float
    alpha: float
    a: float
    b: float
    n: int = 0  # contacts it was fitted on
    log_likelihood: float = 0.0

    modified: bool = True  # MBG/NBD (see fit_bgnbd); False: the original BG/NBD

    def p_alive(self, s: Summary) -> float:
        if self.modified:
            odds = math.log(self.a / (self.b + s.x))
        elif s.x == 0:
            return 1.0
        else:
            odds = math.log(self.a / (self.b + s.x - 1))
        term = odds + (self.r + s.x) * math.log((self.alpha + s.T) / (self.alpha + s.t_x))
        if term > 700:
            return 0.0
        return 1.0 / (1.0 + math.exp(term))

    def p_no_visit(self, s: Summary, horizon: float) -> float:
        """P(no visit in (T, T + horizon]) given the history."""
        alive = self.p_alive(s)
        stay_away = ((self.alpha + s.T) / (self.alpha + s.T + horizon)) ** (self.r + s.x)
        return 1.0 - alive + alive * stay_away

    def expected_visits(self, s: Summary, horizon: float) -> float:
        """Expected visits in the next `horizon` weeks if the contact neither stops nor
        changes pace: P(alive) × posterior mean rate × horizon (an upper bound of BG/NBD's
        exact figure, which also lets them stop after each of those visits; close to it
        for a horizon of a quarter)."""
        return self.p_alive(s) * (self.r + s.x) / (self.alpha + s.T) * horizon


def _bgnbd_nll(
    params: Sequence[float], data: list[tuple[int, float, float, int]], modified: bool = True
) -> float:
    """Negative log-likelihood (per contact) with parameters on the log scale."""
    try:
        r, alpha, a, b = (math.exp(p) for p in params)
    except OverflowError:
        return math.inf
    if not all(0 < v < 1e8 for v in (r, alpha, a, b)):
        return math.inf
    lg = math.lgamma
    log = math.log
    base = r * log(alpha) + lg(a + b) - lg(r) - lg(b)
    total = 0.0
    count = 0
    cache: dict[int, tuple[float, float]] = {}
    for x, t_x, T, w in data:
        terms = cache.get(x)
        if terms is None:
            if modified:
                c = lg(r + x) + lg(b + x + 1) - lg(a + b + x + 1)
                d = log(a) - log(b + x)
            else:
                c = lg(r + x) + lg(b + x) - lg(a + b + x)
                d = log(a) - log(b + x - 1) if x > 0 else 0.0
            terms = cache[x] = (c, d)
        c, d = terms
        a3 = -(r + x) * log(alpha + T)
        if x > 0 or modified:
            a4 = d - (r + x) * log(alpha + t_x)
            m = a3 if a3 > a4 else a4
            ll = m + log(math.exp(a3 - m) + math.exp(a4 - m))
        else:
            ll = a3
        total += w * (c + ll)
        count += w
    value = -(total + count * base) / max(count, 1)
    # A whisper of regularisation on the dropout's (a, b): with (almost) no one stopping,
    # the likelihood is flat towards a, b → ∞ and the optimiser would wander.
    value += 1e-4 * (params[2] ** 2 + params[3] ** 2)
    return value if math.isfinite(value) else math.inf


def nelder_mead(f, x0: Sequence[float], *, step: float = 0.5, max_iter: int = 800, tol=1e-9):
    """Minimise f from x0 (the textbook simplex method; scipy is not a dependency)."""
    n = len(x0)
    simplex = [list(x0)]
    for i in range(n):
        point = list(x0)
        point[i] += step
        simplex.append(point)
    values = [f(p) for p in simplex]
    for _ in range(max_iter):
        order = sorted(range(n + 1), key=values.__getitem__)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        if abs(values[-1] - values[0]) <= tol * (abs(values[0]) + tol):
            break
        centroid = [sum(p[i] for p in simplex[:-1]) / n for i in range(n)]
        worst = simplex[-1]
        reflected = [c + (c - w) for c, w in zip(centroid, worst, strict=True)]
        fr = f(reflected)
        if fr < values[0]:
            expanded = [c + 2 * (c - w) for c, w in zip(centroid, worst, strict=True)]
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            if fr < values[-1]:
                worst, values[-1] = reflected, fr
                simplex[-1] = reflected
            contracted = [c + 0.5 * (w - c) for c, w in zip(centroid, simplex[-1], strict=True)]
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:  # shrink towards the best point
                best = simplex[0]
                for k in range(1, n + 1):
                    simplex[k] = [b + 0.5 * (p - b) for b, p in zip(best, simplex[k], strict=True)]
                    values[k] = f(simplex[k])
    best = min(range(n + 1), key=values.__getitem__)
    return simplex[best], values[best]


MAX_FIT_CONTACTS = 25000  # a random sample beyond this: four parameters need no more


def fit_bgnbd(
    summaries: Iterable[Summary], *, modified: bool = True, seed: int = 0
) -> BGNBD | None:
    """Maximum likelihood on the venue's contacts; None when there are too few to fit (fewer
    than 20 contacts or no repeat visit at all).

    `modified` (the default) fits the MBG/NBD of Batislam, Denizel & Filiztekin (2007): the
    same model, except that a contact may also stop right after the first visit. The
    original BG/NBD says P(alive) = 1 for everyone seen once, however long ago — the very
    people least likely to come back — which costs it ranking power on real purchase data
    (measured on CDNOW in docs/dropoff.md)."""
    rows = [s for s in summaries if s.T > 0]
    if len(rows) > MAX_FIT_CONTACTS:
        rows = random.Random(seed).sample(rows, MAX_FIT_CONTACTS)  # noqa: S311 (sampling)
    if len(rows) < 20 or not any(s.x > 0 for s in rows):
        return None
    grouped = Counter((s.x, round(s.t_x, 4), round(s.T, 4)) for s in rows)
    data = [(x, t_x, T, w) for (x, t_x, T), w in grouped.items()]
    mean_t = sum(s.T for s in rows) / len(rows)
    mean_x = sum(s.x for s in rows) / len(rows)
    start = [0.0, math.log(max(mean_t / (mean_x + 1), 0.1)), math.log(0.8), math.log(2.5)]

    def f(p):
        return _bgnbd_nll(p, data, modified)

    best, value = nelder_mead(f, start)
    # Restart once from the optimum: Nelder–Mead can stall on a collapsed simplex.
    best, value = nelder_mead(f, best, step=0.2)
    r, alpha, a, b = (math.exp(p) for p in best)
    return BGNBD(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        n=len(rows),
        log_likelihood=-value * len(rows),
        modified=modified,
    )


# --- The per-contact rate test ----------------------------------------------------------------


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X ≤ k) for X ~ Binomial(n, p), summed in log space (n is a few hundred at most)."""
    if k < 0:
        return 0.0
    if k >= n or p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    lcomb = math.lgamma(n + 1)
    total = 0.0
    for i in range(k + 1):
        total += math.exp(
            lcomb - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
        )
    return min(total, 1.0)


@dataclass(frozen=True)
class Thresholds:
    """What a venue decides (DropoffSettings); the defaults are the documented ones."""

    min_history_quarters: int = 6  # quarters between the contact's first visit and the window
    min_history_visits: int = 4  # visits before the recent window
    lookback_days: int = 365  # the recent window
    significance: float = 0.05  # one-sided p-value of the rate test (and of a silence)
    min_drop: float = 0.3  # a drop of at least 30 % of the rate
    max_p_alive_stopped: float = 0.5  # "stopped" needs BG/NBD to doubt they are still there
    horizon_days: int = 91  # "the next period" for P(no visit)


@dataclass
class Assessment:
    """What the method says of one contact."""

    kind: str  # "drifting", "stopped" or "" (no alert)
    score: float  # drift strength in [0, 1] (1 − p-value), for ordering the alerts
    p_no_return: float  # BG/NBD: P(no visit in the next horizon)
    p_alive: float
    historical_rate: float  # visits per quarter before the recent window
    recent_rate: float  # visits per quarter in the recent window
    p_value: float
    history_start: date | None = None
    history_end: date | None = None  # start of the recent window
    last_visit: date | None = None
    visits: int = 0
    eligible: bool = False  # enough history to be judged at all
    # −log10 of the rate test's p-value: the same order as `score`,
    # without its rounding to 1.0 for strong cases.
    evidence: float = 0.0
    reason: dict = field(default_factory=dict)


def assess(
    times: Iterable[datetime | date],
    end: date,
    *,
    model: BGNBD | None,
    thresholds: Thresholds = Thresholds(),
) -> Assessment:
    """Score one contact's visits against the observation end (exclusive)."""
    days = [d for d in visit_days(times) if d < end]
    summary = summarise(days, end)
    horizon = thresholds.horizon_days * DAY
    if summary is None:
        return Assessment("", 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    p_alive = model.p_alive(summary) if model else 1.0
    p_no_return = model.p_no_visit(summary, horizon) if model else _fallback_no_return(days, end)
    window_start = end - timedelta(days=thresholds.lookback_days)
    first = days[0]
    history_days = (window_start - first).days
    earlier = [d for d in days if d < window_start]
    recent = [d for d in days if d >= window_start]
    result = Assessment(
        kind="",
        score=0.0,
        p_no_return=p_no_return,
        p_alive=p_alive,
        historical_rate=0.0,
        recent_rate=len(recent) / thresholds.lookback_days * QUARTER_DAYS,
        p_value=1.0,
        history_start=first,
        history_end=window_start,
        last_visit=days[-1],
        visits=len(days),
    )
    eligible = (
        history_days >= thresholds.min_history_quarters * QUARTER_DAYS
        and len(earlier) >= thresholds.min_history_visits
    )
    result.eligible = eligible
    if history_days <= 0:
        return result
    # The history runs from the first visit to the window; a day counted as a visit at the
    # start would inflate the rate, so the first visit is left out (it is T's origin).
    hist_rate_per_day = (len(earlier) - 1) / history_days if len(earlier) > 1 else 0.0
    result.historical_rate = hist_rate_per_day * QUARTER_DAYS
    if not eligible or hist_rate_per_day <= 0:
        return result
    # (a) Rate test: of the n visits since the first, how many fall in the recent window?
    n_hist = len(earlier) - 1
    n = n_hist + len(recent)
    share = thresholds.lookback_days / (history_days + thresholds.lookback_days)
    p_value = binomial_cdf(len(recent), n, share)
    result.p_value = p_value
    drop = 1 - result.recent_rate / result.historical_rate
    # (b) Silence: P(no visit for this long at their own rate) = exp(−λ·gap).
    gap = (end - days[-1]).days
    p_silence = math.exp(-hist_rate_per_day * gap)
    # Drift strength, continuous (for ordering and the AUC): the rate test's evidence. The
    # silence test only decides "stopped" (its evidence, λ·gap, grows with the rate of
    # steady regulars too, and ranks worse: measured in docs/dropoff.md).
    result.evidence = -math.log10(max(p_value, 1e-300)) if drop > 0 else 0.0
    result.score = 1 - 10 ** (-result.evidence)
    if (
        p_silence < thresholds.significance
        and thresholds.lookback_days / 2 <= gap <= 2 * thresholds.lookback_days
        and (model is None or p_alive <= thresholds.max_p_alive_stopped)
    ):
        # Gone for more than two windows: "lapsed" (crm's criterion), no longer news.
        result.kind = "stopped"
    elif recent and p_value < thresholds.significance and drop >= thresholds.min_drop:
        # Still comes (a silent one is a stop, or lapsed long ago: not news).
        result.kind = "drifting"
    result.reason = reason_data(result, gap_days=gap, drop=drop)
    return result


def _fallback_no_return(days: Sequence[date], end: date) -> float:
    """Without a fitted model: the longer since the last visit, the likelier it stays so."""
    gap = (end - days[-1]).days
    return 1 - math.exp(-gap / 365)


def reason_data(a: Assessment, *, gap_days: int, drop: float) -> dict:
    """The facts the sentence is made of (stored on the alert; rendered in the reader's
    language by campaigns.dropoff.reasons)."""
    return {
        "historical_rate": round(a.historical_rate, 1),
        "recent_rate": round(a.recent_rate, 1),
        "history_start": a.history_start.isoformat() if a.history_start else "",
        "history_end": a.history_end.isoformat() if a.history_end else "",
        "last_visit": a.last_visit.isoformat() if a.last_visit else "",
        "gap_days": gap_days,
        "drop_percent": round(max(drop, 0) * 100),
        "p_value": round(a.p_value, 4),
        "p_alive": round(a.p_alive, 3),
    }


# --- Evaluation helpers -----------------------------------------------------------------------


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve (ties count half): the chance a positive outranks a
    negative."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: p[0])
    positives = sum(1 for _s, label in pairs if label)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid_rank = (i + j + 1) / 2  # ranks are 1-based
        rank_sum += mid_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


# --- The whole audience at once ---------------------------------------------------------------


def score_all(
    histories: Mapping[Hashable, Iterable[datetime | date]],
    end: date,
    *,
    horizon_days: int = 91,
    thresholds: Thresholds | None = None,
) -> dict[Hashable, Assessment]:
    """Fit the model on everyone's history before `end`, then assess each contact. Rank by
    `p_no_return` for "who will not come back within `horizon_days`"; `kind` and `explain()`
    for the alert and its reason."""
    thresholds = replace(thresholds or Thresholds(), horizon_days=horizon_days)
    days = {key: visit_days(times) for key, times in histories.items()}
    model = fit_bgnbd(s for d in days.values() if (s := summarise(d, end)) is not None)
    return {key: assess(d, end, model=model, thresholds=thresholds) for key, d in days.items()}


def explain(a: Assessment) -> str:
    """The reason in plain English (the back office says it in the reader's language, from
    the same facts: campaigns.dropoff.reasons)."""
    if not a.history_start:
        return "No visit before the end of the observation."
    odds = (
        f"P(no visit in the next period) = {a.p_no_return:.0%}, P(still active) = {a.p_alive:.0%}"
    )
    if not a.eligible:
        return f"Too little history to compare with their own past; {odds}."
    came = (
        f"came {a.historical_rate:.1f}×/quarter from {a.history_start:%b %Y} "
        f"to {a.history_end:%b %Y}"
    )
    if a.kind == "stopped":
        return f"Stopped: {came}; no visit since {a.last_visit:%b %Y}. {odds}."
    if a.kind == "drifting":
        return (
            f"Drifting: {came}, {a.recent_rate:.1f}×/quarter since "
            f"(rate test p = {a.p_value:.3g}). {odds}."
        )
    return f"Steady: {came}, {a.recent_rate:.1f}×/quarter since. {odds}."
