"""The board's pages and actions. Each view finds its objects with one loader from permissions.py (which
raises 404 or 403), reads through selectors.py and writes through one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, ListView, TemplateView, View

from common.actions import attempt
from common.forms import ReasonForm
from common.params import object_id
from common.ratelimits import LIMITED_MESSAGE, RateLimitedFormMixin, limit_reached
from common.text import clean_text, render_markdown
from common.views import LoadingMixin
from messaging.board import log, permissions, quotes, selectors, services, signals
from messaging.board.forms import MoveForm, PostForm, ThreadForm
from messaging.board.models import BODY_MAX_LENGTH, Report

POSTS_PER_PAGE = 20
QUEUE_PER_PAGE = 20
# Reasons typed outside a form (hiding a post, resolving a report) are kept to a ReasonForm's length.
REASON_MAX_LENGTH = 2000


def _typed_reason(request, name: str) -> str:
    """A reason typed outside a form (hiding a post, locking a thread, resolving a report), as typed."""
    return clean_text(request.POST.get(name, ""))[:REASON_MAX_LENGTH]


class BoardMixin(LoadingMixin):
    """Signed-in users who can read at least one forum."""

    def test_func(self) -> bool:
        return permissions.can_use_board(self.request.user)


class ForumListView(BoardMixin, ListView):
    template_name = "board/forum_list.html"
    context_object_name = "forums"

    def get_queryset(self):
        return selectors.forum_index(self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(moderated_ids=permissions.moderated_forum_ids(self.request.user), **kwargs)


class ForumDetailView(BoardMixin, ListView):
    template_name = "board/forum_detail.html"
    context_object_name = "threads"
    paginate_by = 25

    def get_queryset(self):
        self.forum = permissions.access_forum(self.request.user, self.kwargs["slug"])
        return selectors.forum_threads(self.forum)

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.forum.thread_count  # the forum's counter, not a COUNT over a busy forum
        return paginator

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            forum=self.forum, can_moderate=permissions.can_moderate(self.request.user, self.forum),
            unapproved=list(selectors.forum_unapproved(self.request.user, self.forum)), **kwargs
        )


class ThreadCreateView(RateLimitedFormMixin, BoardMixin, FormView):
    rate_limit_action = "thread"
    form_class = ThreadForm
    template_name = "board/thread_form.html"

    def load(self, request, **kwargs) -> None:
        self.forum = permissions.access_forum_to_post_in(request.user, kwargs["slug"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            forum=self.forum, premoderated=not permissions.starts_approved(self.request.user, self.forum), **kwargs
        )

    def form_valid(self, form):
        thread = services.start_thread(self.forum, author=self.request.user, title=form.cleaned_data["title"],
                                       body=form.cleaned_data["body"])
        if thread.is_approved:
            messages.success(self.request, "Your thread is posted.")
        else:
            messages.info(self.request, "Thanks: a moderator will review your thread before others can see it.")
        return redirect(thread)


class ThreadDetailView(BoardMixin, TemplateView):
    template_name = "board/thread_detail.html"

    def load(self, request, **kwargs) -> None:
        self.thread = permissions.access_thread(request.user, kwargs["pk"])

    def get(self, request, *args, **kwargs):
        post_id = object_id(request.GET.get("post"))
        if post_id is not None:  # a link to one post: open the page it is on
            page = selectors.page_of_post(self.thread, post_id, per_page=POSTS_PER_PAGE)
            if page is None:
                raise Http404("No such post in this thread.")
            return redirect(f"{reverse('board:thread', args=[self.thread.pk])}?page={page}#post-{post_id}")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, form=None, **kwargs):
        user, thread = self.request.user, self.thread
        # Paginate the posts' ids, then read the page's posts whole: one query (the ids are its subquery).
        paginator = Paginator(selectors.thread_post_keys(thread), POSTS_PER_PAGE)
        # The thread's own counter saves a COUNT over every post.
        paginator.count = thread.reply_count + 1
        number = self.request.GET.get("page")
        page_obj = paginator.get_page(paginator.num_pages if number == "last" else number)
        page_posts = selectors.thread_posts(thread, reader=user, page_keys=page_obj.object_list)
        posts = quotes.with_quotes(thread, selectors.with_author_badges(thread.forum, list(page_posts)))
        if posts:  # where the reader has got to (read markers, notifications: the notifications app keeps them)
            signals.thread_viewed.send(sender=type(thread), user=user, thread=thread,
                                       last_post_id=max(post.pk for post in posts))
        can_moderate = permissions.can_moderate(user, thread.forum)
        first_post = posts[0] if page_obj.number == 1 and posts else None
        edit_waiting = bool(first_post and permissions.can_see_waiting_edit(user, first_post))
        return super().get_context_data(
            thread=thread, forum=thread.forum, page_obj=page_obj, posts=posts, can_moderate=can_moderate,
            can_reply=permissions.can_reply(user, thread), form=form or PostForm(),
            reported={post.pk for post in posts if post.reported_by_reader},
            first_post_id=first_post.pk if first_post else None, edit_waiting=edit_waiting,
            **kwargs,
        )


class ReplyView(ThreadDetailView):
    http_method_names = ["post"]

    def load(self, request, **kwargs) -> None:
        self.thread = permissions.access_thread_to_reply_to(request.user, kwargs["pk"])

    def post(self, request, *args, **kwargs):
        form = PostForm(request.POST)
        if form.is_valid() and limit_reached(request, "post"):
            form.add_error(None, LIMITED_MESSAGE)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            post = services.reply(self.thread, author=request.user, body=form.cleaned_data["body"])
        except services.BoardError as error:
            raise PermissionDenied(str(error)) from error
        return redirect(post)


class PostEditView(BoardMixin, FormView):
    template_name = "board/post_form.html"

    def load(self, request, **kwargs) -> None:
        self.post_obj = permissions.access_editable_post(request.user, kwargs["pk"])
        self.is_first = selectors.is_first_post(self.post_obj)
        self.needs_review = permissions.edit_needs_review(request.user, self.post_obj, first=self.is_first)

    def get_form_class(self):
        return ThreadForm if self.is_first else PostForm

    def get_initial(self):
        # An author editing again starts from the edit still waiting for a moderator, not the approved text.
        source = selectors.waiting_edit(self.post_obj) if self.needs_review else None
        initial = {"body": (source or self.post_obj).body}
        if self.is_first:
            initial["title"] = source.title if source else self.post_obj.thread.title
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(post=self.post_obj, thread=self.post_obj.thread,
                                        needs_review=self.needs_review, **kwargs)

    def form_valid(self, form):
        edit = services.edit_post(self.post_obj, by=self.request.user, body=form.cleaned_data["body"],
                                  title=form.cleaned_data.get("title"))
        if edit.awaiting_review:
            messages.info(self.request, "Your edit is waiting for a moderator: until one approves it, others "
                                        "see the approved version.")
        elif edit.resubmitted:
            messages.info(self.request, "Your thread is resubmitted: a moderator will review it again.")
        else:
            messages.success(self.request, "Your changes are saved; the previous version is kept.")
        return redirect(self.post_obj)


class PostHistoryView(BoardMixin, TemplateView):
    template_name = "board/post_history.html"

    def get_context_data(self, **kwargs):
        post = permissions.access_moderated_post(self.request.user, kwargs["pk"])
        return super().get_context_data(
            post=post, thread=post.thread, revisions=selectors.post_revisions(post), **kwargs
        )


class ReportView(RateLimitedFormMixin, BoardMixin, FormView):
    rate_limit_action = "report"
    template_name = "reason_form.html"

    def load(self, request, **kwargs) -> None:
        self.post_obj = permissions.access_reportable_post(request.user, kwargs["pk"])

    def get_form(self, form_class=None):
        return ReasonForm(**self.get_form_kwargs(), label="What is wrong with this post?",
                          help_text="Only the forum's moderators see your report.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Report a post", submit_label="Send report", post=self.post_obj,
                                        cancel_url=self.post_obj.get_absolute_url(),
                                        subject_template="board/_post_subject.html", **kwargs)

    def form_valid(self, form):
        try:
            services.report_post(self.post_obj, by=self.request.user, reason=form.cleaned_data["reason"])
        except services.BoardError as error:
            messages.info(self.request, str(error))
        else:
            messages.success(self.request, "Thank you: the moderators will look at this post.")
        return redirect(self.post_obj)


class ModeratorMixin(BoardMixin):
    def test_func(self) -> bool:
        return permissions.moderates_any_forum(self.request.user)


class ModerationQueueView(ModeratorMixin, TemplateView):
    template_name = "board/queue.html"

    def get_context_data(self, **kwargs):
        queue = selectors.moderation_queue(self.request.user)
        lists = {"threads": selectors.with_opening_html(queue.threads), "edits": queue.edits, "reports": queue.reports}
        pages = {name: Paginator(rows, QUEUE_PER_PAGE).get_page(self.request.GET.get(name))
                 for name, rows in lists.items()}
        for thread in pages["threads"]:
            # A pending thread's opening post quotes nothing it may show (there is nothing before it).
            thread.opening = quotes.render(thread.opening_html, {})
        return super().get_context_data(thread_page=pages["threads"], edit_page=pages["edits"],
                                        report_page=pages["reports"], outcomes=Report.Outcome.choices, **kwargs)


class ModerationLogView(BoardMixin, ListView):
    template_name = "board/log.html"
    context_object_name = "entries"
    paginate_by = 50

    def get_queryset(self):
        self.forum = permissions.access_moderated_forum(self.request.user, self.kwargs["slug"])
        return selectors.moderation_log(self.forum)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(forum=self.forum, **kwargs)
        context["lines"] = log.describe(list(context["entries"]))
        return context


class ThreadActionView(BoardMixin, View):
    """POST-only moderator actions on a thread; the outcome is a message on the thread page."""

    def post(self, request, pk: int, action: str):
        thread = permissions.access_moderated_thread(request.user, pk)
        reason = _typed_reason(request, "reason")
        operations = {
            "approve": (lambda: services.approve_thread(thread, by=request.user),
                        "Thread approved; the author has been told."),
            "lock": (lambda: services.set_thread_flag(thread, by=request.user, flag="locked", value=True,
                                                      reason=reason), "Locked."),
            "unlock": (lambda: services.set_thread_flag(thread, by=request.user, flag="locked", value=False),
                       "Unlocked."),
            "pin": (lambda: services.set_thread_flag(thread, by=request.user, flag="pinned", value=True), "Pinned."),
            "unpin": (lambda: services.set_thread_flag(thread, by=request.user, flag="pinned", value=False),
                      "Unpinned."),
        }
        operation, success = operations[action]
        attempt(request, operation, success)
        if request.POST.get("next") == "queue":
            return redirect("board:queue")
        return redirect(thread)


class ModeratedThreadMixin(BoardMixin):
    """Forms about one thread, for its forum's moderators."""

    def load(self, request, **kwargs) -> None:
        self.thread = permissions.access_moderated_thread(request.user, kwargs["pk"])


class ThreadRejectView(ModeratedThreadMixin, FormView):
    template_name = "reason_form.html"

    def get_form(self, form_class=None):
        return ReasonForm(**self.get_form_kwargs(), label="Why is it rejected?",
                          help_text="The author reads this and can edit the thread and resubmit it.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Reject “{self.thread.title}”", submit_label="Reject thread",
                                        thread=self.thread, cancel_url=reverse("board:queue"), **kwargs)

    def form_valid(self, form):
        attempt(self.request, lambda: services.reject_thread(self.thread, by=self.request.user,
                                                             reason=form.cleaned_data["reason"]),
                "Thread rejected; the author has been told why.")
        return redirect("board:queue")


class ThreadMoveView(ModeratedThreadMixin, FormView):
    template_name = "reason_form.html"

    def get_form(self, form_class=None):
        return MoveForm(**self.get_form_kwargs(), forums=selectors.move_destinations(self.request.user, self.thread))

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=f"Move “{self.thread.title}”", submit_label="Move thread",
                                        thread=self.thread, cancel_url=self.thread.get_absolute_url(), **kwargs)

    def form_valid(self, form):
        attempt(self.request, lambda: services.move_thread(self.thread, by=self.request.user,
                                                           to=form.cleaned_data["forum"],
                                                           reason=form.cleaned_data["reason"]),
                f"Moved to {form.cleaned_data['forum'].name}.")
        return redirect(self.thread)


class EditApproveView(BoardMixin, View):
    """A moderator lets a member's held edit of an approved thread replace what readers see."""

    def load(self, request, **kwargs) -> None:
        self.edit = permissions.access_moderated_edit(request.user, kwargs["pk"])

    def post(self, request, pk: int):
        attempt(request, lambda: services.approve_edit(self.edit, by=request.user),
                "Edit approved: readers now see it, and the author has been told.")
        return redirect("board:queue")


class EditRejectView(BoardMixin, FormView):
    """A moderator turns down a held edit, saying why; readers keep the approved version."""

    template_name = "reason_form.html"

    def load(self, request, **kwargs) -> None:
        self.edit = permissions.access_moderated_edit(request.user, kwargs["pk"])

    def get_form(self, form_class=None):
        return ReasonForm(**self.get_form_kwargs(), label="Why is this edit rejected?",
                          help_text="The author reads this; the approved version stays as it is.")

    def get_context_data(self, **kwargs):
        thread = self.edit.post.thread
        return super().get_context_data(title=f"Reject the edit of “{thread.title}”", submit_label="Reject edit",
                                        edit=self.edit, thread=thread, cancel_url=reverse("board:queue"),
                                        subject_template="board/_proposed_edit.html", **kwargs)

    def form_valid(self, form):
        attempt(self.request, lambda: services.reject_edit(self.edit, by=self.request.user,
                                                           reason=form.cleaned_data["reason"]),
                "Edit rejected; the author has been told why.")
        return redirect("board:queue")


class PostHideView(BoardMixin, View):
    def post(self, request, pk: int, hidden: bool):
        post = permissions.access_moderated_post(request.user, pk)
        reason = _typed_reason(request, "reason")
        services.set_post_hidden(post, by=request.user, hidden=hidden, reason=reason)
        messages.success(request, "Post hidden." if hidden else "Post visible again.")
        return redirect(post)


class ReportResolveView(BoardMixin, View):
    def post(self, request, pk: int):
        report = permissions.access_report(request.user, pk)
        kind = request.POST.get("kind", "")
        note = _typed_reason(request, "outcome")
        if not kind:  # a form without the choice (an older page): a note alone is "other"
            kind = Report.Outcome.OTHER if note else Report.Outcome.NO_ACTION
        attempt(request, lambda: services.resolve_report(report, by=request.user, outcome=note, kind=kind),
                "Report resolved.")
        return redirect("board:queue")


class PreviewView(BoardMixin, View):
    """The composer's preview (static/composer.js): the Markdown as the post would show it, rendered by the one
    sanitising pipeline (common.text.render_markdown), as an HTML fragment. POST with the form's CSRF token,
    for those who can use the board; nothing is stored."""

    http_method_names = ["post"]

    def post(self, request):
        body = request.POST.get("body", "")
        if limit_reached(request, "preview"):
            return _fragment(f"<p>{LIMITED_MESSAGE}</p>", status=429)
        if len(body) > BODY_MAX_LENGTH:
            return _fragment(f"<p>This is {len(body):,} characters long; a post can be {BODY_MAX_LENGTH:,} at most."
                             "</p>")
        if not clean_text(body):
            return _fragment("<p>Nothing to preview yet.</p>")
        return _fragment(render_markdown(body))


def _fragment(html: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8", status=status)
    response["Cache-Control"] = "no-store"
    return response
