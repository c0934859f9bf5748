"""Extra slots of journey emails ({{survey_url}}, {{performance_title}}…), per run."""

from __future__ import annotations


def survey_url(*, contact_id: int, performance_id: int | None) -> str:
    """The contact's survey page for a performance (campaigns.surveys builds it), or "" while
    that package is absent. The lead wires the surveys helper's function here at merge."""
    if performance_id is None:
        return ""
    try:
        from campaigns.surveys import survey_url as build  # type: ignore[attr-defined]
    except ImportError:  # the surveys package is not merged yet
        return ""
    return build(contact_id=contact_id, performance_id=performance_id) or ""
