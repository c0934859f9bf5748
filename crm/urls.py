"""URLs of the crm app, mounted under /backoffice/ by config/urls.py (namespace "crm"): the
contact list and pages, the criteria settings, the segment builder; and the segment API."""

from django.urls import path

from . import views
from .api import segments as api
from .charter import views as charter
from .segments import views as segments

backoffice_patterns = (
    [
        path("contacts/", views.contact_list, name="contact_list"),
        path("contacts/new/", views.contact_create, name="contact_create"),
        path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
        path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
        path("contacts/charter/", charter.charter_settings, name="charter"),
        path("contacts/<int:pk>/tags/", views.contact_tags, name="contact_tags"),
        path("contacts/criteria/", views.behaviour_settings, name="behaviour_settings"),
        path("segments/", segments.segment_list, name="segment_list"),
        path("segments/new/", segments.segment_builder, name="segment_new"),
        path("segments/preview/", segments.segment_preview, name="segment_preview"),
        path("segments/rule/", segments.segment_rule, name="segment_rule"),
        path("segments/<int:pk>/", segments.segment_builder, name="segment_edit"),
        path("segments/<int:pk>/delete/", segments.segment_delete, name="segment_delete"),
    ],
    "crm",
)

# Part of config/urls.py's /api/v1/ list (namespace "api").
api_patterns = [
    path("segments/", api.SegmentList.as_view(), name="segments"),
    path("segments/count/", api.DefinitionCount.as_view(), name="segment_definition_count"),
    path("segments/<int:pk>/", api.SegmentDetail.as_view(), name="segment"),
    path("segments/<int:pk>/count/", api.SegmentCount.as_view(), name="segment_count"),
    path("segments/<int:pk>/members/", api.SegmentMembers.as_view(), name="segment_members"),
]
