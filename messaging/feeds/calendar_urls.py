from django.urls import path

from messaging.feeds import views

app_name = "calendar"

urlpatterns = [
    path("", views.CalendarView.as_view(), name="index"),
]
