from django.urls import path

from messaging.police_reports import triage_views, views

app_name = "police_reports"

urlpatterns = [
    # Members: their reports; everyone signed in: who the borough SPOCs are.
    path("", views.MyReportsView.as_view(), name="list"),
    path("new/", views.ReportCreateView.as_view(), name="create"),
    path("spocs/", views.SpocDirectoryView.as_view(), name="spocs"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/messages/", views.ReportMessageView.as_view(), name="message"),
    path("<int:pk>/files/<int:attachment_pk>/", views.AttachmentView.as_view(), name="attachment"),
    # Officers: triage.
    path("triage/", triage_views.TriageListView.as_view(), name="triage"),
    path("<int:pk>/status/", triage_views.StatusView.as_view(), name="status"),
    path("<int:pk>/assign/", triage_views.AssignView.as_view(), name="assign"),
    path("<int:pk>/draft-bulletin/", triage_views.DraftBulletinView.as_view(), name="draft_bulletin"),
]
