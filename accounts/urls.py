from django.urls import path

from accounts import views

app_name = "accounts"

# Mounted at accounts/profile/ before allauth's accounts/ (hub/urls.py).
urlpatterns = [
    path("", views.ContactDetailsView.as_view(), name="profile"),
]
