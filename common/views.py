from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin


class LoadingMixin(LoginRequiredMixin, UserPassesTestMixin):
    """A signed-in page behind an app-wide check (``test_func``) whose objects are looked up in ``load()``
    (one ``access_*`` loader, raising 404 or 403). ``load()`` runs only after the check, so someone outside
    the app learns nothing about which ids exist, and only for a method the view answers (others stay 405)."""

    def load(self, request, **kwargs) -> None:
        """Find the view's objects (raising 404 or 403); nothing to find by default."""

    def dispatch(self, request, *args, **kwargs):
        if not self.test_func():
            return self.handle_no_permission()
        method = request.method.lower()
        if method in self.http_method_names and hasattr(self, method):
            self.load(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)
