from django.core.paginator import Page, Paginator
from django.views.generic import TemplateView

from common.params import object_id
from common.views import LoadingMixin
from search import highlight, permissions, selectors
from search.forms import SearchForm

PER_PAGE = 20


class SearchView(LoadingMixin, TemplateView):
    """/search/?q=...: one query for the page's results and their count, whatever matches."""

    template_name = "search/results.html"
    http_method_names = ["get", "head"]

    def test_func(self) -> bool:
        return permissions.can_search(self.request.user)

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET or None)
        context = {"form": form, "full_text": selectors.uses_full_text(), "max_results": selectors.MAX_RESULTS,
                   "max_query_length": selectors.MAX_QUERY_LENGTH}
        if not form.is_bound or not form.is_valid():
            return super().get_context_data(**context, **kwargs)
        criteria = form.criteria()
        context.update(criteria=criteria, was_cut=form.was_cut)
        if not criteria.searchable:
            return super().get_context_data(**context, **kwargs)
        found = selectors.results(self.request.user, criteria, page=object_id(self.request.GET.get("page")) or 1,
                                  per_page=PER_PAGE)
        paginator = Paginator(found.documents, PER_PAGE)
        paginator.count = found.listed  # counted by the page's own query
        words = [] if context["full_text"] else selectors.words_of(criteria.text)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(page_obj=Page(found.documents, found.number, paginator), total=found.total, more=found.more,
                       results=highlight.present(found.documents, words), query_string=query.urlencode())
        return super().get_context_data(**context, **kwargs)
