from django.urls import path

from . import views

public_patterns = (
    [
        path("", views.signup, name="form"),
        path("confirmer/<str:token>/", views.confirm, name="confirm"),
    ],
    "crm_signup",
)
backoffice_patterns = (
    [path("", views.signup_settings, name="settings")],
    "crm_signup_admin",
)
