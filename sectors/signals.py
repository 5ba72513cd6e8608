"""Signals of the sectors app (hook points for the apps that follow who belongs where).

``membership_changed``: sent after the transaction that changed a membership's status commits, with
``membership=``. The live push (messaging.bulletins) listens to re-check the user's open WebSockets, so a
suspended member loses the live feed at once, and a newly approved one gains the sector's updates.

``audience_changed``: sent after commit when something other than a membership decision changes which
bulletins some people receive: an organisation's premises (boroughs, on the portal or in the admin), or the
organisation a person belongs to (registering one, an approved request to join one, being removed from one).
``user_ids=`` names the people concerned; their open sockets re-check their access the same way. A request to
join that is still waiting changes nothing, so sends nothing.

Both are sent with ``send_robust`` after commit (``sectors.services``): a receiver that fails (the channel layer's
Redis down) is logged, the other receivers still run, and the e-mails that follow the change still go.
"""

from django.dispatch import Signal

membership_changed = Signal()
audience_changed = Signal()
