"""Signals of the sectors app.

``membership_changed`` (hook point): sent after the transaction that changed a membership's status commits,
with ``membership=``. The live push (messaging.bulletins) listens to re-check the user's open WebSockets,
so a suspended member loses the live feed at once, and a newly approved one gains the sector's updates.
"""

from django.dispatch import Signal

membership_changed = Signal()
