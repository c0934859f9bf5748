"""Dev-only page listing the text messages the console backend kept (tenants.sms): DEBUG only,
for the same people as the captured mail (tenants.views.devmail)."""

from django.shortcuts import render
from django.urls import path

from tenants import sms
from tenants.views.devmail import _dev_staff_only


@_dev_staff_only
def sms_list(request, venue):
    messages = sms.captured_sms(venue=venue)
    return render(request, "dev/sms_list.html", {"messages": messages, "folder": sms.sms_dir()})


urlpatterns = [path("", sms_list, name="dev_sms_list")]
