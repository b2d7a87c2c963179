"""Small SQL building blocks of the forecast (PostgreSQL)."""

from django.db.models import Aggregate, DateField, FloatField, Func


class Median(Aggregate):
    """PERCENTILE_CONT(0.5): the continuous median of the grouped values (NULLs ignored)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_filter = True


class Days(Func):
    """A duration (interval) in days, as a float."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 86400.0)"
    output_field = FloatField()


class PlusDays(Func):
    """`date + integer days` (PostgreSQL date arithmetic)."""

    arg_joiner = " + "
    template = "(%(expressions)s)"
    output_field = DateField()


class Least(Func):
    """LEAST(...): the smallest non-NULL argument (PostgreSQL skips NULLs)."""

    function = "LEAST"


class Greatest(Func):
    """GREATEST(...): the largest non-NULL argument (PostgreSQL skips NULLs)."""

    function = "GREATEST"
