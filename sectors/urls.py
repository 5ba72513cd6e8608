from django.urls import path

from sectors import views

app_name = "sectors"

urlpatterns = [
    path("", views.SectorDirectoryView.as_view(), name="directory"),
    path("mine/", views.MyMembershipsView.as_view(), name="mine"),
    path("apply/", views.ApplyView.as_view(), name="apply"),
    path("applications/", views.ApplicationQueueView.as_view(), name="queue"),
    path("applications/<int:pk>/approve/", views.ApproveView.as_view(), name="approve"),
    path("applications/<int:pk>/refuse/", views.RefuseView.as_view(), name="refuse"),
    path("applications/<int:pk>/suspend/", views.SuspendView.as_view(), name="suspend"),
    path("applications/<int:pk>/reinstate/", views.ReinstateView.as_view(), name="reinstate"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation"),
    path("organisations/<int:pk>/edit/", views.OrganisationUpdateView.as_view(), name="organisation_edit"),
    path("<slug:slug>/", views.SectorDetailView.as_view(), name="detail"),
]
