"""The segment compiler against a naive evaluation: random definition trees (hypothesis) over a
random base must select exactly the contacts a plain Python reading of docs/segments.md
selects. The naive evaluator below is the test's oracle, written from the documented meaning
of each condition, not from the compiler."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm.models import (
    Affinity,
    BehaviourSettings,
    Contact,
    GenreStats,
    QuarterStats,
    SeasonStats,
    TimelineEvent,
)
from crm.segments.definition import quarter_start, segment_queryset, validate_definition
from crm.windows import BUSY_QUARTER_MIN, window_start
from tests.helpers import in_venue

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DEPARTMENTS = ["75", "92", "69"]
POSTCODES = {"75": ["75011", "75020"], "92": ["92100", "92200"], "69": ["69001", "69100"]}
TYPES = ["spectator", "professional", "press"]
TAGS = ["ami", "mécène", "jeune"]
CRITERIA = ["first_timer", "regular", "lapsed"]
GENRES = ["dance", "theatre", "music"]
KEYS = ["humour", "famille", "cirque"]
SHOWS = [1, 2, 3]
PERFORMANCES = {1: [11, 12], 2: [21], 3: [31, 32]}
CAMPAIGNS = [1, 2]
SEASONS = ["2024-2025", "2025-2026"]
CODES = [
    "ticketing.purchase",
    "ticketing.attendance",
    "campaigns.email.opened",
    "campaigns.email.clicked",
    "storefront.show.viewed",
]


# --- A random base ----------------------------------------------------------------------
def _when(rng: random.Random, max_days: int = 1500) -> datetime:
    return NOW - timedelta(days=rng.uniform(0, max_days))


def build_base(seed: int = 7, size: int = 90) -> dict:
    rng = random.Random(seed)
    contacts = []
    for n in range(size):
        dept = rng.choice(DEPARTMENTS)
        contacts.append(
            Contact(
                first_name=f"P{n}",
                last_name="Test",
                email=f"p{n}@example.fr" if rng.random() < 0.8 else "",
                email_normalized=f"p{n}@example.fr",
                phone="+33612345678" if rng.random() < 0.5 else "",
                postcode=rng.choice(POSTCODES[dept]),
                department=dept,
                city="Ville" if rng.random() < 0.7 else "",
                address_line1="1 rue" if rng.random() < 0.7 else "",
                language=rng.choice(["fr", "en"]),
                first_source=rng.choice(["web", "box_office", "import"]),
                contact_types=rng.sample(TYPES, rng.randint(0, 2)),
                tags=rng.sample(TAGS, rng.randint(0, 2)),
                criteria=rng.sample(CRITERIA, rng.randint(0, 1)),
                email_consent=rng.choice([True, False, None]),
                sms_consent=rng.choice([True, False, None]),
                purchase_count=rng.randint(0, 6),
                attendance_count=rng.randint(0, 6),
                amount_spent_cents=rng.randint(0, 20000),
                referred_buyers=rng.choice([0, 0, 1, 3]),
                unused_credit_cents=rng.choice([0, 0, 1500, 3000]),
                rfm_recency=rng.choice([None, 1, 3, 5]),
                last_attended_at=rng.choice([None, _when(rng, 200)]),
                last_purchase_at=rng.choice([None, _when(rng, 400)]),
                merged_into=None,
            )
        )
    contacts = Contact.objects.bulk_create(contacts)
    # A few contacts are merged into another or anonymised: never in any segment.
    for gone in contacts[:4]:
        gone.merged_into = contacts[-1]
    for gone in contacts[4:7]:
        gone.anonymised_at = NOW
    Contact.objects.bulk_update(contacts[:7], ["merged_into", "anonymised_at"])

    events = []
    for n, contact in enumerate(contacts):
        if n % 9 == 0:  # a first-timer: booked one performance, never came yet
            events.append(
                TimelineEvent(
                    contact=contact,
                    code="ticketing.purchase",
                    show_id=1,
                    performance_id=11,
                    occurred_at=_when(rng, 30),
                )
            )
            continue
        for _ in range(rng.randint(0, 14)):
            code = rng.choice(CODES)
            show = rng.choice(SHOWS)
            event = TimelineEvent(contact=contact, code=code, occurred_at=_when(rng, 900))
            if code.startswith("ticketing."):
                event.show_id = show
                event.performance_id = rng.choice(PERFORMANCES[show] + [None])
                event.genre = rng.choice([*GENRES, ""])
                if code == "ticketing.purchase":
                    event.data = {
                        "amount_cents": rng.choice([1500, 3000]),
                        "channel": rng.choice(["web", "box_office"]),
                    }
            elif code.startswith("campaigns."):
                event.campaign_id = rng.choice(CAMPAIGNS)
            else:
                event.show_id = show
            events.append(event)
        # Clicks followed (or not) by a purchase a few days later.
        if rng.random() < 0.3:
            click = _when(rng, 40)
            events.append(
                TimelineEvent(
                    contact=contact,
                    code="campaigns.email.clicked",
                    occurred_at=click,
                    campaign_id=rng.choice(CAMPAIGNS),
                )
            )
            if rng.random() < 0.5:
                events.append(
                    TimelineEvent(
                        contact=contact,
                        code="ticketing.purchase",
                        show_id=1,
                        occurred_at=click + timedelta(days=rng.uniform(0, 12)),
                    )
                )
    TimelineEvent.objects.bulk_create(events)

    genre_stats, season_stats, quarter_stats, affinities = [], [], [], []
    current = quarter_start(NOW)
    for contact in contacts:
        for genre in rng.sample(GENRES, rng.randint(0, 3)):
            genre_stats.append(
                GenreStats(
                    contact=contact,
                    genre=genre,
                    purchases=rng.randint(0, 5),
                    attendances=rng.randint(0, 5),
                )
            )
        for season in rng.sample(SEASONS, rng.randint(0, 2)):
            season_stats.append(
                SeasonStats(
                    contact=contact,
                    season=season,
                    purchases=rng.randint(0, 4),
                    attendances=rng.randint(0, 4),
                    spend_cents=rng.randint(0, 9000),
                )
            )
        # Regulars (every quarter), some of whom stopped coming; others at random.
        regular = rng.random() < 0.3
        for back in range(0, 20):
            if regular or rng.random() < 0.3:
                quarter = quarter_start(NOW, back=back)
                count = rng.randint(2, 4) if regular and back >= 4 else rng.randint(0, 3)
                if regular and back < 4 and rng.random() < 0.5:
                    count = 0
                if rng.random() < 0.05:
                    count = 1
                quarter_stats.append(
                    QuarterStats(contact=contact, quarter=quarter, attendances=count)
                )
        for kind in ("genre", "keyword"):
            for key in rng.sample(KEYS + GENRES, rng.randint(0, 2)):
                affinities.append(
                    Affinity(
                        contact=contact, kind=kind, key=key, weight=rng.choice([0.2, 0.5, 0.9])
                    )
                )
    assert current
    GenreStats.objects.bulk_create(genre_stats)
    SeasonStats.objects.bulk_create(season_stats)
    QuarterStats.objects.bulk_create(quarter_stats)
    Affinity.objects.bulk_create(affinities)
    genre_stats += _window_counters(contacts, quarter_stats)
    return {
        "contacts": list(Contact.objects.all()),
        "events": list(TimelineEvent.objects.all()),
        "genre_stats": genre_stats,
        "season_stats": season_stats,
        "quarter_stats": quarter_stats,
        "affinities": affinities,
    }


# The recent window's start as the periodic task left it 45 days ago: contacts with an
# attendance in those 45 days are counted on the timeline, the others from their counters.
RECENT_SINCE = window_start(NOW - timedelta(days=45))


def _window_counters(contacts, quarter_stats) -> list[GenreStats]:
    """The counters crm/windows.py keeps, as record_attendance would have kept them for this
    base's events and quarters: busy quarters on the contact, recent attendances per genre
    (a row for every genre attended). Returns the genre rows it had to add."""
    BehaviourSettings.objects.update_or_create(
        singleton=True, defaults={"recent_since": RECENT_SINCE}
    )
    busy: dict[int, list] = {}
    for q in quarter_stats:
        if q.attendances >= BUSY_QUARTER_MIN:
            busy.setdefault(q.contact_id, []).append(q.quarter)
    for contact in contacts:
        contact.busy_quarters = sorted(busy.get(contact.pk, []))
    Contact.objects.bulk_update(contacts, ["busy_quarters"])
    recent: dict[tuple[int, str], int] = {}
    for e in TimelineEvent.objects.filter(code="ticketing.attendance").exclude(genre=""):
        key = (e.contact_id, e.genre)
        recent[key] = recent.get(key, 0) + (e.occurred_at >= RECENT_SINCE)
    rows = {(g.contact_id, g.genre): g for g in GenreStats.objects.all()}
    added = []
    for key, n in recent.items():
        row = rows.get(key)
        if row is None:
            added.append(GenreStats(contact_id=key[0], genre=key[1], recent_attendances=n))
        else:
            row.recent_attendances = n
    GenreStats.objects.bulk_update(list(rows.values()), ["recent_attendances"])
    return GenreStats.objects.bulk_create(added)


# --- The naive reading of each condition --------------------------------------------------
def _in_range(n, low, high) -> bool:
    return (low is None or n >= low) and (high is None or n <= high)


def _matching_events(base, contact, code, c):
    ago = NOW - timedelta(days=c["within_days"]) if c.get("within_days") else None
    out = []
    for e in base["events"]:
        if e.contact_id != contact.pk or e.code != code:
            continue
        if any(
            c.get(k) is not None and getattr(e, k) != c[k]
            for k in ("show_id", "performance_id", "campaign_id")
        ):
            continue
        if c.get("genre") and e.genre != c["genre"]:
            continue
        if c.get("channel") and (e.data or {}).get("channel") != c["channel"]:
            continue
        if ago and e.occurred_at < ago:
            continue
        out.append(e)
    return out


def _count_condition(base, contact, code, c, total_field, genre_field, amount=False) -> bool:
    low, high = c.get("min_count", 1), c.get("max_count")
    period = any(c.get(k) is not None for k in ("show_id", "performance_id", "within_days"))
    special = c.get("channel") or (amount and c.get("min_amount_cents") is not None)
    if not period and not special and code in ("ticketing.purchase", "ticketing.attendance"):
        # Over all time: the behaviour counters.
        if not c.get("genre"):
            return _in_range(getattr(contact, total_field), low or None, high)
        rows = [
            g for g in base["genre_stats"] if g.contact_id == contact.pk and g.genre == c["genre"]
        ]
        n = getattr(rows[0], genre_field) if rows else None
        if not low:
            return n is None or high is None or n <= high
        return n is not None and _in_range(n, low, high)
    events = _matching_events(base, contact, code, c)
    n = len(events)
    min_amount = c.get("min_amount_cents") if amount else None
    if min_amount is not None:
        total = sum((e.data or {}).get("amount_cents", 0) for e in events)
        return n >= max(low, 1) and total >= min_amount and (high is None or n <= high)
    return _in_range(n, low, high)


def naive(base: dict, node: dict, contact) -> bool:
    if "type" not in node:
        results = [naive(base, child, contact) for child in node["rules"]]
        if node["op"] == "or":
            return any(results)
        return all(results) if node["op"] == "and" else not all(results)
    c, kind = node, node["type"]
    if kind in ("contact_type", "accessibility", "tag", "criterion"):
        column = {
            "contact_type": "contact_types",
            "accessibility": "accessibility_needs",
            "tag": "tags",
            "criterion": "criteria",
        }[kind]
        have = set(getattr(contact, column))
        return set(c["values"]) <= have if c["match"] == "all" else bool(set(c["values"]) & have)
    if kind == "department":
        return contact.department in c["values"]
    if kind == "postcode":
        return any(contact.postcode.startswith(p) for p in c["prefixes"])
    if kind == "language":
        return contact.language in c["values"]
    if kind == "source":
        return contact.first_source in c["values"]
    if kind == "has":
        if c["field"] == "address":
            present = bool(contact.address_line1 and contact.postcode and contact.city)
        else:
            present = bool(getattr(contact, c["field"]))
        return present == c["value"]
    if kind == "consent":
        value = getattr(contact, f"{c['channel']}_consent")
        return {"granted": True, "refused": False, "unknown": None}[c["state"]] is value
    if kind == "number":
        value = getattr(contact, c["field"])
        return value is not None and _in_range(value, c.get("min"), c.get("max"))
    if kind == "date":
        value = getattr(contact, c["field"])
        if c["when"] == "never":
            return value is None
        if c["when"] == "ever":
            return value is not None
        recent = value is not None and value >= NOW - timedelta(days=c["days"])
        return recent if c["when"] == "within_days" else not recent
    if kind == "affinity":
        return any(
            a.contact_id == contact.pk
            and a.kind == c["kind"]
            and a.key in c["keys"]
            and a.weight >= c["min_weight"]
            for a in base["affinities"]
        )
    if kind == "purchases":
        return _count_condition(
            base, contact, "ticketing.purchase", c, "purchase_count", "purchases", amount=True
        )
    if kind == "attendance":
        return _count_condition(
            base, contact, "ticketing.attendance", c, "attendance_count", "attendances"
        )
    if kind == "season":
        for s in base["season_stats"]:
            if s.contact_id == contact.pk and s.season == c["season"]:
                return all(
                    c.get(p) is None or getattr(s, col) >= c[p]
                    for p, col in (
                        ("min_purchases", "purchases"),
                        ("min_attendances", "attendances"),
                        ("min_spend_cents", "spend_cents"),
                    )
                )
        return False
    if kind == "email_engagement":
        code = f"campaigns.email.{c['event']}"
        return len(_matching_events(base, contact, code, c)) >= c["min_count"]
    if kind == "clicked_not_bought":
        clicks = _matching_events(base, contact, "campaigns.email.clicked", c)
        purchases = [
            e.occurred_at
            for e in base["events"]
            if e.contact_id == contact.pk and e.code == "ticketing.purchase"
        ]
        window = timedelta(days=c["buy_within_days"])
        return any(
            not any(k.occurred_at <= p < k.occurred_at + window for p in purchases) for k in clicks
        )
    if kind == "viewed_not_bought":
        viewed = _matching_events(base, contact, "storefront.show.viewed", c)
        bought = any(
            e.contact_id == contact.pk
            and e.code == "ticketing.purchase"
            and e.show_id == c["show_id"]
            for e in base["events"]
        )
        return bool(viewed) and not bought
    if kind == "first_timer_booked":
        mine = [e for e in base["events"] if e.contact_id == contact.pk]
        booked = any(
            e.code == "ticketing.purchase" and e.performance_id == c["performance_id"] for e in mine
        )
        came_elsewhere = any(
            e.code == "ticketing.attendance" and e.performance_id != c["performance_id"]
            for e in mine
        )
        return booked and not came_elsewhere
    if kind == "lapsed":
        recent_start = quarter_start(NOW, back=3)
        history_start = quarter_start(NOW, back=3 + 4 * c["years"])
        rows = [q for q in base["quarter_stats"] if q.contact_id == contact.pk]
        full = sum(
            1
            for q in rows
            if history_start <= q.quarter < recent_start and q.attendances >= c["min_per_quarter"]
        )
        recent = sum(q.attendances for q in rows if q.quarter >= recent_start)
        return full == 4 * c["years"] and recent <= c["max_recent"]
    raise AssertionError(kind)


def naive_members(base: dict, definition: dict) -> set[int]:
    tree = validate_definition(definition)
    return {
        c.pk
        for c in base["contacts"]
        if c.merged_into_id is None and c.anonymised_at is None and naive(base, tree, c)
    }


# --- Random definitions -------------------------------------------------------------------
def _opt(strategy):
    return st.one_of(st.none(), strategy)


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _cond(type_, **params):
    return st.fixed_dictionaries({"type": st.just(type_), **params}).map(_drop_none)


_days = st.sampled_from([7, 30, 90, 365, 730])
_count = st.sampled_from([0, 1, 2, 3])
_match = st.sampled_from(["any", "all"])
CONDITION = st.one_of(
    _cond(
        "contact_type",
        values=st.lists(st.sampled_from(TYPES), min_size=1, max_size=2),
        match=_match,
    ),
    _cond("tag", values=st.lists(st.sampled_from(TAGS), min_size=1, max_size=2), match=_match),
    _cond("criterion", values=st.lists(st.sampled_from(CRITERIA), min_size=1, max_size=2)),
    _cond("department", values=st.lists(st.sampled_from(DEPARTMENTS), min_size=1, max_size=2)),
    _cond(
        "postcode",
        prefixes=st.lists(st.sampled_from(["75", "9210", "69", "7"]), min_size=1, max_size=2),
    ),
    _cond("language", values=st.just(["en"])),
    _cond("source", values=st.lists(st.sampled_from(["web", "import"]), min_size=1)),
    _cond(
        "has", field=st.sampled_from(["email", "phone", "postcode", "address"]), value=st.booleans()
    ),
    _cond(
        "consent",
        channel=st.sampled_from(["email", "sms"]),
        state=st.sampled_from(["granted", "refused", "unknown"]),
    ),
    _cond(
        "number",
        field=st.sampled_from(
            ["purchase_count", "unused_credit_cents", "referred_buyers", "rfm_recency"]
        ),
        min=st.sampled_from([None, 1, 3]),
        max=st.sampled_from([None, 4, 5000]),
    ).filter(lambda c: "min" in c or "max" in c),
    _cond(
        "date",
        field=st.sampled_from(["last_attended_at", "last_purchase_at"]),
        when=st.sampled_from(["within_days", "not_within_days", "never", "ever"]),
        days=_days,
    ),
    _cond(
        "affinity",
        kind=st.sampled_from(["genre", "keyword"]),
        keys=st.lists(st.sampled_from(KEYS + GENRES), min_size=1, max_size=2),
        min_weight=st.sampled_from([None, 0.5, 0.8]),
    ),
    _cond(
        "purchases",
        show_id=_opt(st.sampled_from(SHOWS)),
        performance_id=_opt(st.sampled_from([11, 21, 32])),
        genre=_opt(st.sampled_from(GENRES)),
        channel=_opt(st.just("web")),
        within_days=_opt(_days),
        min_count=_opt(_count),
        max_count=_opt(st.sampled_from([1, 2, 4])),
        min_amount_cents=_opt(st.sampled_from([1500, 4500])),
    ).filter(lambda c: c.get("min_count", 1) <= c.get("max_count", 99)),
    _cond(
        "attendance",
        show_id=_opt(st.sampled_from(SHOWS)),
        genre=_opt(st.sampled_from(GENRES)),
        within_days=_opt(_days),
        min_count=_opt(_count),
        max_count=_opt(st.sampled_from([1, 2])),
    ).filter(lambda c: c.get("min_count", 1) <= c.get("max_count", 99)),
    _cond(
        "season",
        season=st.sampled_from(SEASONS),
        min_attendances=st.sampled_from([1, 2]),
        min_spend_cents=_opt(st.just(3000)),
    ),
    _cond(
        "email_engagement",
        event=st.sampled_from(["opened", "clicked"]),
        campaign_id=_opt(st.sampled_from(CAMPAIGNS)),
        within_days=_days,
        min_count=_opt(st.sampled_from([1, 2])),
    ),
    _cond(
        "clicked_not_bought",
        campaign_id=_opt(st.sampled_from(CAMPAIGNS)),
        within_days=_opt(_days),
        buy_within_days=_opt(st.sampled_from([1, 7])),
    ),
    _cond("viewed_not_bought", show_id=st.sampled_from(SHOWS), within_days=_opt(_days)),
    _cond("first_timer_booked", performance_id=st.sampled_from([11, 12, 21, 31])),
    _cond(
        "lapsed",
        min_per_quarter=_opt(st.sampled_from([1, 2])),
        years=st.sampled_from([1, 2, 3]),
        max_recent=_opt(st.sampled_from([0, 1, 3])),
    ),
)
NODE = st.recursive(
    CONDITION,
    lambda children: st.fixed_dictionaries(
        {
            "op": st.sampled_from(["and", "or", "not"]),
            "rules": st.lists(children, min_size=1, max_size=3),
        }
    ),
    max_leaves=6,
)
DEFINITION = st.fixed_dictionaries(
    {
        "version": st.just(1),
        "op": st.sampled_from(["and", "or", "not"]),
        "rules": st.lists(NODE, min_size=1, max_size=3),
    }
)


def test_compiled_segments_select_what_the_naive_reading_selects(venue_a):
    with in_venue(venue_a):
        base = build_base()
        seen_sizes: set[int] = set()

        @settings(
            max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(DEFINITION)
        # Found by this test: "at least zero purchases" (everyone) OR'ed with a condition.
        @example(
            {
                "version": 1,
                "op": "or",
                "rules": [
                    {"type": "contact_type", "values": ["spectator"]},
                    {"type": "purchases", "min_count": 0},
                ],
            }
        )
        def check(definition):
            expected = naive_members(base, definition)
            got = set(segment_queryset(definition, now=NOW).values_list("pk", flat=True))
            assert got == expected, definition
            seen_sizes.add(len(expected))

        check()
        # The random trees selected many different sizes: the comparison was not vacuous.
        assert len(seen_sizes) > 10


@pytest.mark.parametrize(
    "type_", sorted(__import__("crm.segments.definition", fromlist=["x"]).CONDITIONS)
)
def test_every_condition_type_selects_some_but_not_all(venue_a, type_):
    """Each condition alone, with parameters likely to split the random base, selects a proper
    subset that the naive reading agrees with (and a NOT of it, the complement)."""
    examples = {
        "contact_type": {"values": ["press"]},
        "department": {"values": ["75"]},
        "postcode": {"prefixes": ["92"]},
        "language": {"values": ["en"]},
        "source": {"values": ["web"]},
        "accessibility": {"values": ["wheelchair"]},
        "tag": {"values": ["ami", "jeune"], "match": "all"},
        "criterion": {"values": ["regular"]},
        "has": {"field": "phone"},
        "consent": {"channel": "email", "state": "unknown"},
        "number": {"field": "unused_credit_cents", "min": 1},
        "date": {"field": "last_attended_at", "when": "not_within_days", "days": 40},
        "affinity": {"kind": "keyword", "keys": ["humour"], "min_weight": 0.7},
        "purchases": {"genre": "dance", "within_days": 730, "min_count": 2},
        "attendance": {"genre": "dance", "within_days": 730, "min_count": 2},
        "season": {"season": "2025-2026", "min_attendances": 2},
        "email_engagement": {"event": "opened", "within_days": 365},
        "clicked_not_bought": {"buy_within_days": 7},
        "viewed_not_bought": {"show_id": 2},
        "first_timer_booked": {"performance_id": 11},
        "lapsed": {"years": 1},
    }
    with in_venue(venue_a):
        base = build_base(seed=3)
        definition = {"version": 1, "op": "and", "rules": [{"type": type_, **examples[type_]}]}
        expected = naive_members(base, definition)
        got = set(segment_queryset(definition, now=NOW).values_list("pk", flat=True))
        assert got == expected
        active = {
            c.pk for c in base["contacts"] if c.merged_into_id is None and c.anonymised_at is None
        }
        if type_ != "accessibility":  # nobody in the random base declared a need
            assert 0 < len(got) < len(active), (type_, len(got))
        negated = {"version": 1, "op": "not", "rules": definition["rules"]}
        assert set(segment_queryset(negated, now=NOW).values_list("pk", flat=True)) == active - got


def test_a_segment_is_one_query(venue_a, django_assert_num_queries):
    with in_venue(venue_a):
        definition = {
            "version": 1,
            "op": "and",
            "rules": [
                {"type": "number", "field": "unused_credit_cents", "min": 1},
                {"type": "affinity", "kind": "keyword", "keys": ["humour"], "min_weight": 0.7},
                {
                    "type": "date",
                    "field": "last_attended_at",
                    "when": "not_within_days",
                    "days": 40,
                },
                {"op": "not", "rules": [{"type": "purchases", "show_id": 3}]},
                {"type": "lapsed"},
                {"type": "clicked_not_bought"},
            ],
        }
        Contact.objects.exists()  # the venue's search_path is set on the first query
        with django_assert_num_queries(1):
            segment_queryset(definition).count()
