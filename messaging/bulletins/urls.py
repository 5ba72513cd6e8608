from django.urls import path

from messaging.bulletins import views

app_name = "bulletins"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("<int:pk>/", views.BulletinDetailView.as_view(), name="detail"),
    path("<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/feedback/", views.FeedbackView.as_view(), name="feedback"),
    # CAP 1.2, for officers and for partner systems (Authorization: Bearer <key>).
    path("<int:pk>/cap.xml", views.CapDocumentView.as_view(), name="cap"),
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    # Officers
    path("manage/", views.OfficerBulletinListView.as_view(), name="officer_list"),
    path("manage/new/", views.BulletinCreateView.as_view(), name="create"),
    path("manage/<int:pk>/edit/", views.BulletinUpdateView.as_view(), name="edit"),
    path("manage/<int:pk>/publish/", views.PublishView.as_view(), name="publish"),
    path("manage/<int:pk>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("manage/<int:pk>/report/", views.DeliveryReportView.as_view(), name="report"),
    path("manage/<int:pk>/unschedule/", views.UnscheduleView.as_view(), name="unschedule"),
    path("manage/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("manage/feedback/", views.FeedbackListView.as_view(), name="feedback_list"),
    path("manage/feedback/<int:pk>/answer/", views.FeedbackAnswerView.as_view(), name="feedback_answer"),
    path("manage/feedback/<int:pk>/handled/", views.FeedbackHandledView.as_view(), name="feedback_handled"),
    path("manage/templates/", views.NoticeTemplateListView.as_view(), name="template_list"),
    path("manage/templates/new/", views.NoticeTemplateCreateView.as_view(), name="template_create"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="incident_create"),
    path("incidents/<int:pk>/update/", views.IncidentUpdateView.as_view(), name="incident_update"),
    path("incidents/<int:pk>/resolve/", views.IncidentResolveView.as_view(), name="incident_resolve"),
    path("incidents/<int:pk>/threads/", views.IncidentLinkThreadView.as_view(), name="incident_link_thread"),
    path("incidents/threads/<int:pk>/unlink/", views.IncidentUnlinkThreadView.as_view(),
         name="incident_unlink_thread"),
]
