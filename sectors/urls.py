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
    path("organisations/name/", views.NameOrganisationView.as_view(), name="organisation_name"),
    path("organisations/requests/", views.JoinRequestQueueView.as_view(), name="join_requests"),
    path("organisations/requests/<int:pk>/approve/", views.JoinApproveView.as_view(), name="join_approve"),
    path("organisations/requests/<int:pk>/refuse/", views.JoinRefuseView.as_view(), name="join_refuse"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(), name="organisation"),
    path("organisations/<int:pk>/edit/", views.OrganisationUpdateView.as_view(), name="organisation_edit"),
    path("organisations/<int:pk>/people/<int:person>/appoint/", views.AppointAdministratorView.as_view(),
         name="administrator_appoint"),
    path("organisations/<int:pk>/people/<int:person>/withdraw/", views.WithdrawAdministratorView.as_view(),
         name="administrator_withdraw"),
    path("organisations/<int:pk>/people/<int:person>/remove/", views.RemovePersonView.as_view(),
         name="person_remove"),
    path("<slug:slug>/representatives/", views.RepresentativesView.as_view(), name="representatives"),
    path("<slug:slug>/representatives/name/", views.NameRepresentativeView.as_view(), name="representative_name"),
    path("<slug:slug>/representatives/<int:pk>/deputy/", views.RepresentativeDeputyView.as_view(),
         name="representative_deputy"),
    path("<slug:slug>/representatives/<int:pk>/remove/", views.RemoveRepresentativeView.as_view(),
         name="representative_remove"),
    path("<slug:slug>/", views.SectorDetailView.as_view(), name="detail"),
]
