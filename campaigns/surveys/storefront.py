"""The approved spectators' words on the show's page (ticketing.storefront_sections)."""

from django.template.loader import render_to_string

from .selectors import approved_words


def words_section(show) -> str:
    words = approved_words(show_id=show.pk, limit=3)
    if not words:
        return ""
    return render_to_string("campaigns/surveys/_show_words.html", {"words": words})
