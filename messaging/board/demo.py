"""Demo threads in the Hub, Retail and Banking forums; one waiting for a moderator, one reported post, and a
member's edit of an approved thread waiting for a moderator."""

from accounts import roles
from messaging.board import services
from messaging.board.models import Forum, Post, ProposedEdit, Report, Thread


def _thread(forum: Forum, title: str, author, body: str, *, approve_by=None, replies=()) -> Thread:
    thread = Thread.objects.filter(forum=forum, title=title).first()
    if thread is None:
        thread = services.start_thread(forum, author=author, title=title, body=body)
        if approve_by is not None and not thread.is_approved:
            thread = services.approve_thread(thread, by=approve_by)
        for reply_author, reply_body in replies:
            services.reply(thread, author=reply_author, body=reply_body)
    return thread


def run(context: dict) -> None:
    people = context["people"]
    admin, officer, moderator = people["admin"], people["officer"], people["moderator"]
    member, member2, lead = people["member"], people["member2"], people["lead"]
    hub = Forum.objects.hub()
    retail = Forum.objects.get(sector__slug="retail")
    banking = Forum.objects.get(sector__slug="banking-and-finance")
    for forum in (hub, retail):
        roles.make_moderator(moderator, forum)

    _thread(hub, "Saturday's march: how are you planning deliveries?", officer,
            "The route closes **Regent Street** from 11:00. Tell us here if a closure stops a critical delivery "
            "and we will look at escorted access.",
            replies=[(member, "We are moving our Oxford Circus delivery to 07:00. Thanks for the early notice."),
                     (member2, "Branches on the route will open at 13:00.")])
    retail_thread = _thread(
        retail, "Distraction thefts on Oxford Street", member,
        "Two of our stores saw the same *distraction* technique this week: one person asks for help at the till "
        "while another takes phones from the counter. Descriptions shared with the police liaison team.",
        approve_by=moderator,
        replies=[(lead, "Same at our Bond Street hotel shop on Tuesday. We have moved phones behind the counter."),
                 (moderator, "Pinned for the week. Please report incidents on 101 as well as here.")],
    )
    services.set_thread_flag(retail_thread, by=moderator, flag="pinned", value=True)
    opening = retail_thread.posts.order_by("created_at", "id").first()
    if not ProposedEdit.objects.filter(post=opening).exists():
        services.edit_post(opening, by=member, title="Distraction thefts on Oxford Street and Bond Street",
                           body=opening.body + "\n\nUpdate: the same pair were seen on Bond Street on Thursday.")
    _thread(banking, "Courier fraud calls to older customers", member2,
            "We have seen a rise in *courier fraud* calls this month. The script claims to be from our fraud team.",
            approve_by=admin)
    _thread(retail, "Card skimmers at self-checkouts?", lead,
            "Has anyone found skimming devices on self-checkout card readers? We found one in Covent Garden.")

    hub_reply = Post.objects.filter(thread__forum=hub, author=member2).first()
    if hub_reply and not Report.objects.filter(post=hub_reply).exists():
        services.report_post(hub_reply, by=member, reason="Shares branch opening times publicly; is that wise?")
