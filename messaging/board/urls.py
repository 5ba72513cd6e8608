from django.urls import path

from messaging.board import views

app_name = "board"

urlpatterns = [
    path("", views.ForumListView.as_view(), name="forum_list"),
    path("moderation/", views.ModerationQueueView.as_view(), name="queue"),
    path("threads/<int:pk>/", views.ThreadDetailView.as_view(), name="thread"),
    path("threads/<int:pk>/reply/", views.ReplyView.as_view(), name="reply"),
    path("threads/<int:pk>/reject/", views.ThreadRejectView.as_view(), name="thread_reject"),
    path("threads/<int:pk>/move/", views.ThreadMoveView.as_view(), name="thread_move"),
    path("threads/<int:pk>/approve/", views.ThreadActionView.as_view(), {"action": "approve"}, name="thread_approve"),
    path("threads/<int:pk>/lock/", views.ThreadActionView.as_view(), {"action": "lock"}, name="thread_lock"),
    path("threads/<int:pk>/unlock/", views.ThreadActionView.as_view(), {"action": "unlock"}, name="thread_unlock"),
    path("threads/<int:pk>/pin/", views.ThreadActionView.as_view(), {"action": "pin"}, name="thread_pin"),
    path("threads/<int:pk>/unpin/", views.ThreadActionView.as_view(), {"action": "unpin"}, name="thread_unpin"),
    path("posts/<int:pk>/edit/", views.PostEditView.as_view(), name="post_edit"),
    path("posts/<int:pk>/history/", views.PostHistoryView.as_view(), name="post_history"),
    path("posts/<int:pk>/report/", views.ReportView.as_view(), name="post_report"),
    path("posts/<int:pk>/hide/", views.PostHideView.as_view(), {"hidden": True}, name="post_hide"),
    path("posts/<int:pk>/unhide/", views.PostHideView.as_view(), {"hidden": False}, name="post_unhide"),
    path("moderation/edits/<int:pk>/approve/", views.EditApproveView.as_view(), name="edit_approve"),
    path("moderation/edits/<int:pk>/reject/", views.EditRejectView.as_view(), name="edit_reject"),
    path("reports/<int:pk>/resolve/", views.ReportResolveView.as_view(), name="report_resolve"),
    path("<slug:slug>/", views.ForumDetailView.as_view(), name="forum"),
    path("<slug:slug>/new/", views.ThreadCreateView.as_view(), name="thread_create"),
    path("<slug:slug>/log/", views.ModerationLogView.as_view(), name="log"),
    path("posts/preview/", views.PreviewView.as_view(), name="preview"),  # no slug route matches two parts
]
