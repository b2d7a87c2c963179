from automation.models import RoundRobinCursor
from crm.models import User


def round_robin_next(*, key: str, users: list[User]) -> User:
    """The pool member after the last one picked for `key` (wrapping around).

    Call inside a transaction: the cursor row is locked so concurrent runs take turns.
    """
    users = sorted(users, key=lambda u: u.pk)
    RoundRobinCursor.objects.get_or_create(key=key)
    cursor = RoundRobinCursor.objects.select_for_update().get(key=key)
    last = cursor.last_user_id or 0
    chosen = next((u for u in users if u.pk > last), users[0])
    cursor.last_user_id = chosen.pk
    cursor.save(update_fields=["last_user_id"])
    return chosen
