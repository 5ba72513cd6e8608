"""The member's own account pages of ours (allauth serves the e-mail, password, two-factor and session pages)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.urls import reverse
from django.views.generic import UpdateView

from accounts.forms import ContactDetailsForm
from audit.services import record


class ContactDetailsView(LoginRequiredMixin, UpdateView):
    """"Your contact details": display name and phone number, for the signed-in person only (no id in the URL)."""

    form_class = ContactDetailsForm
    template_name = "accounts/profile.html"

    def get_object(self, queryset=None):
        return self.request.user

    def get_success_url(self) -> str:
        return reverse("accounts:profile")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            if form.changed_data:
                # The phone number itself stays out of the audit trail: who changed what is enough.
                record(self.request.user, "account.contact_details", self.request.user,
                       changed=sorted(form.changed_data))
        messages.success(self.request, "Your contact details are saved.")
        return response
