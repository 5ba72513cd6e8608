from django.urls import path

from notifications import preference_views

app_name = "preferences"

# Mounted at accounts/preferences/ before allauth's accounts/ (hub/urls.py).
urlpatterns = [
    path("", preference_views.PreferencesView.as_view(), name="edit"),
    path("unsubscribe/<str:token>/", preference_views.UnsubscribeView.as_view(), name="unsubscribe"),
]
