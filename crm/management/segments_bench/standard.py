"""The standard segments the benchmark times, and the catalogue and audiences of its venue."""

from __future__ import annotations

GENRES = (("theatre", 40), ("dance", 20), ("music", 25), ("circus", 10), ("opera", 5))
KEYWORDS = ("humour", "famille", "cirque", "engagé", "poésie", "musique-live", "jeune-public")
DEPARTMENTS = (
    ("75", 30),
    ("92", 12),
    ("93", 10),
    ("94", 9),
    ("91", 5),
    ("95", 5),
    ("77", 5),
    ("78", 5),
    ("69", 3),
    ("13", 3),
    ("33", 2),
    ("59", 2),
    ("44", 2),
    ("", 7),
)
FIRST_NAMES = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jeanne",
    "Louise",
    "Hugo",
    "Lucas",
    "Jules",
    "Louis",
    "Gabriel",
    "Arthur",
    "Nathan",
    "Zoé",
    "Élodie",
    "Hélène",
    "Rémi",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "Faure",
)
CAMPAIGNS = 40
SHOWS = 200
HARD_TO_SELL_SHOW = SHOWS  # the last show: on sale now, selling badly
BOOKED_PERFORMANCE = HARD_TO_SELL_SHOW * 10 + 1  # performance ids are show * 10 + n


def standard_segments() -> dict[str, dict]:
    def tree(*rules) -> dict:
        return {"version": 1, "op": "and", "rules": list(rules)}

    return {
        "consent_departments_type": tree(
            {"type": "consent", "channel": "email", "state": "granted"},
            {"type": "department", "values": ["92", "93", "94"]},
            {"type": "contact_type", "values": ["spectator"]},
        ),
        "dance_3_in_24_months": tree(
            {"type": "attendance", "genre": "dance", "within_days": 730, "min_count": 3}
        ),
        "clicked_not_bought_7_days": tree(
            {"type": "clicked_not_bought", "within_days": 30, "buy_within_days": 7}
        ),
        "credit_affinity_40_days": tree(
            {"type": "number", "field": "unused_credit_cents", "min": 1},
            {
                "op": "or",
                "rules": [
                    {
                        "type": "affinity",
                        "kind": "keyword",
                        "keys": ["humour", "cirque"],
                        "min_weight": 0.6,
                    },
                    {"type": "affinity", "kind": "genre", "keys": ["circus"], "min_weight": 0.6},
                ],
            },
            {"type": "date", "field": "last_attended_at", "when": "not_within_days", "days": 40},
            {"op": "not", "rules": [{"type": "purchases", "show_id": HARD_TO_SELL_SHOW}]},
        ),
        "lapsed": tree({"type": "lapsed", "min_per_quarter": 2, "years": 3, "max_recent": 1}),
        "first_timers_booked": tree(
            {"type": "first_timer_booked", "performance_id": BOOKED_PERFORMANCE}
        ),
    }
