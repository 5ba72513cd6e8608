from django.urls import path

from messaging.feeds import views
from messaging.feeds.atom import BulletinsFeed

app_name = "feeds"

urlpatterns = [
    path("", views.FeedSettingsView.as_view(), name="index"),
    path("regenerate/", views.RegenerateView.as_view(), name="regenerate"),
    # The token is secrets.token_urlsafe: letters, digits, "-" and "_" (a slug).
    path("<slug:token>/events.ics", views.EventsFeedView.as_view(), name="events"),
    path("<slug:token>/bulletins.atom", BulletinsFeed(), name="bulletins"),
]
