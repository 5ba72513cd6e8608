from django.urls import path

from messaging.checkins import officer_views, views

app_name = "checkins"

urlpatterns = [
    # Members (and officers): the question, their organisation's answer.
    path("<int:pk>/", views.CheckInDetailView.as_view(), name="detail"),
    path("<int:pk>/answer/", views.AnswerView.as_view(), name="answer"),
    path("answer/<str:token>/", views.AnswerLinkView.as_view(), name="answer_link"),
    # Officers: open and close.
    path("new/", views.OpenCheckInView.as_view(), name="create"),
    path("<int:pk>/close/", views.CloseCheckInView.as_view(), name="close"),
    # The incident room's check-ins part (static/live.js fetches it again when one opens or closes).
    path("incident/<int:pk>/", views.IncidentCheckInsView.as_view(), name="incident_part"),
    # Officers: the live grid and the export; sector leads: chasing the organisations that have not answered.
    path("<int:pk>/grid/", officer_views.GridView.as_view(), name="grid"),
    path("<int:pk>/export.csv", officer_views.ExportView.as_view(), name="export"),
    path("<int:pk>/chase/", officer_views.ChaseListView.as_view(), name="chase"),
    path("<int:pk>/chase/<int:organisation_pk>/called/", officer_views.ChaseCalledView.as_view(),
         name="chase_called"),
    path("<int:pk>/chase/<int:organisation_pk>/answer/", officer_views.ChaseAnswerView.as_view(),
         name="chase_answer"),
]
