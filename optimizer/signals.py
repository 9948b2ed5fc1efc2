"""What the job model tells the faces about, without knowing them."""

from django.dispatch import Signal

# Sent inside the transaction that moves an item generation to done or failed (keyword
# arguments: item_id, generation, status), so whatever a receiver writes commits with it.
item_finished = Signal()
