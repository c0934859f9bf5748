"""URLs of the crm app, mounted by config/urls.py: the segment builder and the segment API."""

from django.urls import path

from . import views
from .api import segments as api

backoffice_patterns = (
    [
        path("segments/", views.segment_list, name="segment_list"),
        path("segments/new/", views.segment_builder, name="segment_new"),
        path("segments/preview/", views.segment_preview, name="segment_preview"),
        path("segments/rule/", views.segment_rule, name="segment_rule"),
        path("segments/<int:pk>/", views.segment_builder, name="segment_edit"),
        path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
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
