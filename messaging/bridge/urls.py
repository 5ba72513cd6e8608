from django.urls import path

from messaging.bridge import minutes_views, views

app_name = "bridge"

urlpatterns = [
    path("", views.CallListView.as_view(), name="list"),
    path("new/", views.ScheduleCallView.as_view(), name="create"),
    path("invitees/", views.InviteeCountView.as_view(), name="invitee_count"),
    path("<int:pk>/", views.CallDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EditCallView.as_view(), name="edit"),
    path("<int:pk>/cancel/", views.CancelCallView.as_view(), name="cancel"),
    path("<int:pk>/rsvp/", views.RsvpView.as_view(), name="rsvp"),
    path("<int:pk>/invitation.ics", views.InvitationCalendarView.as_view(), name="ics"),
    path("rsvp/<str:token>/", views.RsvpLinkView.as_view(), name="rsvp_link"),
    # The chair's pages: roll call, decisions and actions, the published summary.
    path("<int:pk>/roll-call/", minutes_views.RollCallView.as_view(), name="roll_call"),
    path("<int:pk>/roll-call/<int:invitation_pk>/", minutes_views.AttendanceView.as_view(), name="attendance"),
    path("<int:pk>/outcomes/", minutes_views.OutcomeCreateView.as_view(), name="outcome_create"),
    path("<int:pk>/outcomes/<int:outcome_pk>/delete/", minutes_views.OutcomeDeleteView.as_view(),
         name="outcome_delete"),
    path("<int:pk>/summary/", minutes_views.SummaryView.as_view(), name="summary"),
]
