from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("bell/", views.BellView.as_view(), name="bell"),
    path("read/", views.ReadAllView.as_view(), name="read_all"),
    path("<int:pk>/open/", views.OpenView.as_view(), name="open"),
    path("forums/<slug:slug>/level/", views.ForumLevelView.as_view(), name="forum_level"),
    path("forums/<slug:slug>/read/", views.ForumReadView.as_view(), name="forum_read"),
    path("threads/<int:pk>/level/", views.ThreadLevelView.as_view(), name="thread_level"),
]
