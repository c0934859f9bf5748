"""The contacts API (/api/v1/, mounted by config.urls)."""

from django.urls import path

from . import views

api_patterns = [
    path("contacts/", views.ContactList.as_view(), name="contacts"),
    path("contacts/charter/", views.ContactCharter.as_view(), name="contacts_charter"),
    path("contacts/export/", views.ContactsExport.as_view(), name="contacts_export"),
    path("contacts/<int:pk>/", views.ContactDetail.as_view(), name="contact"),
    path("contacts/<int:pk>/consents/", views.ContactConsents.as_view(), name="contact_consents"),
    path("contact-exports/<int:pk>/", views.ExportDetail.as_view(), name="contact_export"),
    path("contact-exports/<int:pk>/file/", views.ExportFile.as_view(), name="contact_export_file"),
    path("contact-imports/", views.ImportList.as_view(), name="contact_imports"),
    path("contact-imports/<int:pk>/", views.ImportDetail.as_view(), name="contact_import"),
    path(
        "contact-imports/<int:pk>/start/", views.ImportStart.as_view(), name="contact_import_start"
    ),
    path(
        "contact-imports/<int:pk>/rejected/",
        views.ImportRejectedRows.as_view(),
        name="contact_import_rejected",
    ),
]
