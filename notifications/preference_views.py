"""The member's e-mail preferences page, and the one-click unsubscribe links of the e-mails (mounted at
/accounts/preferences/ by hub/urls.py, before allauth's accounts/)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView

from notifications import unsubscribe
from notifications.preference_forms import PreferencesForm
from notifications.preferences import save_preferences
from notifications.rules import preferences_of


class PreferencesView(LoginRequiredMixin, FormView):
    """How and when the signed-in person wants e-mail (no id in the URL: one's own only)."""

    form_class = PreferencesForm
    template_name = "notifications/preferences.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": preferences_of(self.request.user)}

    def get_success_url(self) -> str:
        return reverse("preferences:edit")

    def form_valid(self, form):
        save_preferences(self.request.user, **{field: form.cleaned_data[field] for field in form.Meta.fields})
        messages.success(self.request, "Your e-mail preferences are saved.")
        return super().form_valid(form)


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class UnsubscribeView(View):
    """An e-mail's unsubscribe link. GET: what a POST would turn off, with a button (nothing changes: mail
    scanners follow links). POST: turns it off and says so; no login and no CSRF token, as RFC 8058's one-click
    POST from a mail client has neither: the signed token is the proof. A bad or expired link: a 400 page
    that says which, with the way to the preferences page."""

    def dispatch(self, request, token: str, *args, **kwargs):
        try:
            user_id, kind = unsubscribe.read_token(token)
        except unsubscribe.BadToken as error:
            return self.bad_link(request, expired=error.expired)
        user = get_user_model().objects.filter(pk=user_id, is_active=True).select_related("preferences").first()
        if user is None:
            return self.bad_link(request, expired=False)
        self.person, self.kind = user, kind
        return super().dispatch(request, token, *args, **kwargs)

    def bad_link(self, request, *, expired: bool):
        return render(request, "notifications/unsubscribe_invalid.html", {"expired": expired}, status=400)

    def context(self, **extra):
        return {"kind": unsubscribe.KINDS[self.kind], "person": self.person,
                "preferences_url": reverse("preferences:edit"), **extra}

    def get(self, request, token: str):
        on = unsubscribe.is_on(preferences_of(self.person), self.kind)
        return render(request, "notifications/unsubscribe_confirm.html", self.context(on=on))

    def post(self, request, token: str):
        changed = unsubscribe.unsubscribe(self.person, self.kind)
        return render(request, "notifications/unsubscribe_done.html", self.context(changed=changed))
