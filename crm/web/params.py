"""Reading query-string values a client may have mangled: never a 500, a default instead."""

# Past PostgreSQL's integer range a lookup is a DataError, so ids are bounded first.
MAX_ID = 2**31 - 1


def positive_int(raw, *, default: int | None = None, maximum: int = MAX_ID) -> int | None:
    """`raw` as an int in 1..maximum, else `default` ("²".isdigit() is True but int() fails)."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return value if 0 < value <= maximum else default


def bounded_offset(raw, *, maximum: int) -> int:
    """A paging offset clamped to 0..maximum (a huge OFFSET overflows PostgreSQL's bigint)."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return 0
    return min(max(value, 0), maximum)
