"""What the surveys and notices register at start-up (called from CampaignsConfig.ready):
the programme-change consumer, the show page's words, timeline and audit labels, navigation."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from crm.labels import register_timeline_labels
    from crm.privacy.registry import register_export
    from crm.surveys_timeline import SURVEY_ANSWERED
    from tenants.accounts.audit_labels import register_labels
    from tenants.events.registry import register_consumer
    from tenants.navigation import NavItem, register
    from ticketing.storefront_sections import SHOW_PAGE_SECTIONS

    from ..composer.blocks import register_quote_provider
    from ..notices import tasks as notice_tasks  # noqa: F401 (Celery tasks)
    from ..notices.consumers import CODES, on_programme_change
    from .selectors import answers_of_contact, quotes_for_newsletter
    from .storefront import words_section

    # A person's data export (crm.privacy) lists their quiz answers and words.
    register_export("survey_answers", answers_of_contact)
    register_quote_provider("spectator_words", quotes_for_newsletter)
    register_consumer("campaigns.notices", codes=CODES, handler=on_programme_change)
    if words_section not in SHOW_PAGE_SECTIONS:
        SHOW_PAGE_SECTIONS.append(words_section)
    register_timeline_labels(
        {SURVEY_ANSWERED: _("Answered the post-show quiz")},
        {SURVEY_ANSWERED: _("Rating: %(rating)s/5")},
    )
    register_labels(
        {
            "campaigns.survey.updated": _("Post-show quiz changed"),
            "campaigns.word.approved": _("Spectator's words published"),
            "campaigns.word.rejected": _("Spectator's words rejected"),
        }
    )
    group = _("Communication")
    register(NavItem("campaign_words", _("Spectators' words"), "campaigns:words",
                     "campaigns.manage", order=540, group=group))  # fmt: skip
    register(NavItem("campaign_surveys", _("Post-show quiz"), "campaigns:survey_results",
                     "campaigns.manage", order=545, group=group))  # fmt: skip
    register(NavItem("campaign_notices", _("Programme-change notices"), "campaigns:notices",
                     "campaigns.manage", order=550, group=group))  # fmt: skip
