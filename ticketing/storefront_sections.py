"""Extension point of the show's page: other apps add sections without ticketing knowing them
(ticketing never imports campaigns). A provider is a callable (show) -> HTML fragment ("" for
nothing), registered from its app's ready(); it must not depend on the visitor (the page is
shared a moment between visitors). A provider that fails is skipped, never a broken page."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils.safestring import SafeString, mark_safe

log = logging.getLogger(__name__)

SHOW_PAGE_SECTIONS: list[Callable[[object], str]] = []


def show_page_sections(show) -> list[SafeString]:
    sections = []
    for provider in SHOW_PAGE_SECTIONS:
        try:
            html = provider(show)
        except Exception:
            log.exception("show page section %r failed", provider)
            continue
        if html:
            sections.append(mark_safe(html))  # noqa: S308 (rendered templates of our apps)
    return sections
