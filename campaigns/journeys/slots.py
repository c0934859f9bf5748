"""Extra slots of journey emails ({{survey_url}}, {{performance_title}}…), per run."""

from __future__ import annotations

import importlib.util


def survey_url(*, contact_id: int, performance_id: int | None) -> str:
    """The contact's survey page for a performance (campaigns.surveys builds it), or "" while
    that package is absent. The lead wires the surveys helper's function here at merge."""
    if performance_id is None or importlib.util.find_spec("campaigns.surveys") is None:
        return ""
    surveys = importlib.import_module("campaigns.surveys")
    build = getattr(surveys, "survey_url", None)
    if build is None:
        return ""
    return build(contact_id=contact_id, performance_id=performance_id) or ""
