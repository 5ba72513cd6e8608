"""What happened on the board, for the apps that act on it (notifications: the bell, watch levels, read
markers). The board announces; it never imports those apps, so they depend on it and not the other way round.

Each is sent inside the transaction of the service that did it (a receiver's rows commit or roll back with the
board's): receivers that push anything live do it with ``transaction.on_commit``.
"""

from django.dispatch import Signal

# A post became visible to the forum's readers: a reply to an approved thread, or the opening post of a thread
# when the thread is approved (at once for officers' and moderators' threads). Arguments: ``post`` (its author
# and stored HTML loaded), ``thread``, ``first`` (the thread's opening post: a new thread in the forum).
post_created = Signal()

# A post's readers see new text: an edit applied to a visible post of an approved thread (at once, or when a
# moderator approved the held edit). Arguments: ``post`` (its author and new stored HTML loaded), ``thread``,
# ``previous_html`` (the stored HTML the readers saw before).
post_edited = Signal()

# A thread was started (any status): its author follows it. Arguments: ``thread``.
thread_started = Signal()

# A moderator decided about a member's thread or their held edit: the author is told on the site (the e-mail is
# the board's own). Arguments: ``thread``, ``recipient`` (the author), ``decision`` (one of DECISIONS), ``text``
# (the plain-text message the author reads), ``url`` (a path on this site), ``by`` (the moderator).
thread_decided = Signal()
THREAD_APPROVED, THREAD_REJECTED = "thread_approved", "thread_rejected"
EDIT_APPROVED, EDIT_REJECTED = "edit_approved", "edit_rejected"
DECISIONS = (THREAD_APPROVED, THREAD_REJECTED, EDIT_APPROVED, EDIT_REJECTED)

# A reader was shown a page of a thread. Arguments: ``user``, ``thread``, ``last_post_id`` (the highest post id
# on the page). Sent by the thread page's view, outside any transaction of the board's.
thread_viewed = Signal()
