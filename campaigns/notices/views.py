"""The programme-change notices and their deliveries, for staff."""

from django.db.models import Count, Q
from django.shortcuts import render
from django.urls import path

from tenants.accounts.permissions import capability_required

from .models import ProgrammeNotice


@capability_required("campaigns.manage")
def notice_list(request):
    notices = (
        ProgrammeNotice.objects.select_related("campaign")
        .annotate(
            emails=Count("campaign__deliveries", distinct=True),
            emails_sent=Count(
                "campaign__deliveries",
                filter=Q(campaign__deliveries__status="sent"),
                distinct=True,
            ),
            texts=Count("sms", distinct=True),
            texts_sent=Count("sms", filter=Q(sms__status="sent"), distinct=True),
        )
        .order_by("-created_at")[:200]
    )
    return render(request, "campaigns/notices/list.html", {"notices": notices})


backoffice_urlpatterns = [path("notices/", notice_list, name="notices")]
