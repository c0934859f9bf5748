"""Back-office URLs of sending (added to campaigns.urls.backoffice_patterns)."""

from django.urls import path

from . import views

backoffice = [
    path("<int:pk>/progress/", views.campaign_progress_view, name="campaign_progress"),
    *(
        path(
            f"<int:pk>/sending/{action}/",
            views.campaign_action,
            {"action": action},
            name=f"campaign_{action}",
        )
        for action in views.ACTIONS
    ),
]
