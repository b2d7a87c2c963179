"""The pipeline board: columns per stage, drag-and-drop moves, won/lost, quick-add."""

import itertools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.models import Deal, Pipeline, Role, Stage
from crm.selectors import lost_reason_suggestions
from crm.services.deals import deal_create, deal_mark_lost, deal_mark_won, deal_move_to_stage
from crm.templatetags.crm_web import money
from crm.web import board_cache, selectors
from crm.web.access import access_row, web_view
from crm.web.forms.deals import LostForm, QuickDealForm
from crm.web.forms.widgets import active_users
from crm.web.params import MAX_ID, bounded_offset, positive_int
from crm.web.responses import error_text, is_htmx

MAX_ORDER_IDS = 500


def _owner_filter(request) -> int | None:
    """Managers may narrow the board to one owner; reps always see their own deals."""
    if not request.user.sees_all_sales:
        return None
    return positive_int(request.GET.get("owner") or request.POST.get("owner"))


@web_view("deals")
@require_GET
def board(request, pk=None):
    pipelines = list(Pipeline.objects.all())
    if pk is not None:
        pipeline = next((p for p in pipelines if p.pk == pk), None)
        if pipeline is None:
            raise Http404
    else:
        pipeline = pipelines[0] if pipelines else None
    if pipeline is None:
        return render(request, "board/no_pipeline.html")
    owner_id = _owner_filter(request)
    columns = selectors.board_columns(user=request.user, pipeline=pipeline, owner_id=owner_id)
    board_cache.render_column_cards(columns)
    return render(
        request,
        "board/board.html",
        {
            "pipeline": pipeline,
            "pipelines": pipelines,
            "columns": columns,
            "owner_id": owner_id,
            "owners": active_users(Role.REP, Role.MANAGER, Role.ADMIN)
            if request.user.sees_all_sales
            else None,
            "open_count": sum(c.count for c in columns),
            "quick_form": QuickDealForm(user=request.user, pipeline=pipeline),
            "lost_form": LostForm(),
            "lost_reasons": lost_reason_suggestions(),
            "default_currency": settings.GOALPOST_DEFAULT_CURRENCY,
            "reporting_currency": settings.GOALPOST_REPORTING_CURRENCY,
        },
    )


@web_view("deals")
@require_GET
def column_more(request, pk, stage_id):
    """The next page of one column's cards (htmx "load more")."""
    pipeline = get_object_or_404(Pipeline, pk=pk)
    stage = get_object_or_404(Stage, pk=stage_id, pipeline=pipeline)
    offset = bounded_offset(request.GET.get("offset"), maximum=MAX_ID)
    owner_id = _owner_filter(request)
    deals = selectors.board_deals(user=request.user, pipeline=pipeline, owner_id=owner_id)
    cards, has_more = selectors.column_cards(deals, stage, offset=offset)
    return render(
        request,
        "board/_cards_page.html",
        {
            "cards": cards,
            "stage": stage,
            "pipeline": pipeline,
            "has_more": has_more,
            "next_offset": offset + len(cards),
            "owner_id": owner_id,
        },
    )


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def _parse_order(raw: str) -> list[int]:
    ids = (positive_int(part) for part in raw.split(",")[:MAX_ORDER_IDS])
    return [pk for pk in ids if pk is not None]


def _placement(*, visible, deal: Deal, order: list[int]) -> tuple[int, dict[int, int]]:
    """Where the dropped card goes: its position, and any neighbours to renumber.

    Cards sort by (position, newest first). A gap between the neighbours takes the card
    without touching anything else; otherwise the column's loaded cards are renumbered
    with gaps of 16, all below the first card not loaded so unseen cards stay after them.
    """
    others = [pk for pk in order if pk != deal.pk]
    index = order.index(deal.pk) if deal.pk in order else len(others)
    positions = dict(visible.filter(pk__in=others).values_list("pk", "position"))
    index -= sum(1 for pk in others[:index] if pk not in positions)
    others = [pk for pk in others if pk in positions]
    tail = (
        visible.exclude(pk__in=[*others, deal.pk])
        .order_by(*selectors.CARD_ORDER)
        .values_list("position", flat=True)
        .first()
    )
    sequence = [positions[pk] for pk in others] + ([tail] if tail is not None else [])
    before = sequence[index - 1] if index > 0 else None
    after = sequence[index] if index < len(sequence) else None
    if all(a < b for a, b in itertools.pairwise(sequence)):
        if before is None and after is None:
            return deal.position, {}
        if before is None:
            return after - 1, {}  # type: ignore[operator]  # not None: both-None returned above
        if after is None:
            return before + 1, {}
        if after - before >= 2:
            return (before + after) // 2, {}
    ordered = [*others[:index], deal.pk, *others[index:]]
    base = tail if tail is not None else 16 * (len(ordered) + 1)
    assigned = {pk: base - 16 * (len(ordered) - i) for i, pk in enumerate(ordered)}
    renumber = {pk: p for pk, p in assigned.items() if pk != deal.pk and positions[pk] != p}
    return assigned[deal.pk], renumber


def _column_stats(*, user, pipeline, owner_id, stage_ids) -> dict:
    # Through the board's cache: after a commit this sums the changed columns once, and the
    # next view of the board finds them summed.
    totals = board_cache.cached_column_totals(
        selectors.board_deals(user=user, pipeline=pipeline, owner_id=owner_id), stage_ids
    )
    stats = {}
    for stage_id in stage_ids:
        row = totals.get(stage_id, {"count": 0, "total": 0})
        stats[str(stage_id)] = {
            "count": row["count"],
            "total": money(row["total"] or 0, settings.GOALPOST_REPORTING_CURRENCY),
            **selectors.column_summary(row),
        }
    return stats


@require_POST
@web_view("account")
def deal_move(request, pk):
    """Drop a card: POST stage, order (the target column's card ids after the drop).

    Answers JSON; a refused move is a 4xx with the reason so the card can snap back (so
    the deals right is asked inside, by `access_row`, not as web_view's HTML 403).
    """
    user = request.user
    try:
        deal = access_row(user, "deals", Deal.objects.all(), pk, write=True)
    except Http404:
        return _json_error(_("This deal no longer exists or is not yours."), 404)
    except PermissionDenied:
        return _json_error(_("You are not allowed to move deals."), 403)
    # Only a stage of the deal's own pipeline is a drop target; anything else is a 400.
    stage = Stage.objects.filter(
        pk=positive_int(request.POST.get("stage")), pipeline_id=deal.pipeline_id
    ).first()
    if stage is None:
        return _json_error(_("Choose a stage of this pipeline."), 400)
    from_stage_id = deal.stage_id
    owner_id = _owner_filter(request)
    order = _parse_order(request.POST.get("order", ""))
    visible = selectors.board_deals(user=user, pipeline=deal.pipeline, owner_id=owner_id).filter(
        stage=stage
    )
    try:
        with transaction.atomic():
            position, renumber = _placement(visible=visible, deal=deal, order=order)
            deal = deal_move_to_stage(deal=deal, stage=stage, actor=user, position=position)
            for other in Deal.objects.filter(pk__in=renumber).order_by("pk"):
                deal_move_to_stage(deal=other, stage=stage, actor=user, position=renumber[other.pk])
    except ValidationError as error:
        return _json_error(error_text(error), 400)
    moved = from_stage_id != stage.pk
    return JsonResponse(
        {
            "ok": True,
            "message": _("“%(title)s” moved to %(stage)s.")
            % {"title": deal.title, "stage": stage.name}
            if moved
            else _("Order saved."),
            "columns": _column_stats(
                user=user,
                pipeline=deal.pipeline,
                owner_id=owner_id,
                stage_ids=sorted({from_stage_id, stage.pk}),
            ),
        }
    )


def _board_fragment(request, *, deal: Deal, message: str, level: str = "success", main: str = ""):
    """htmx answer for the board: the main swap plus out-of-band column header, the
    page's open-deal count and the notice."""
    owner_id = _owner_filter(request)
    stats = _column_stats(
        user=request.user, pipeline=deal.pipeline, owner_id=owner_id, stage_ids=[deal.stage_id]
    )[str(deal.stage_id)]
    open_count = selectors.board_deals(
        user=request.user, pipeline=deal.pipeline, owner_id=owner_id
    ).count()
    oob = render_to_string(
        "board/_oob_update.html",
        {
            "stage": deal.stage,
            "stats": stats,
            "open_count": open_count,
            "message": message,
            "level": level,
        },
        request=request,
    )
    return HttpResponse(main + oob)


def _board_notice(request, message: str):
    """A refusal on the board: nothing swaps, the reason shows in the live region."""
    html = render_to_string(
        "board/_oob_update.html", {"message": message, "level": "error"}, request=request
    )
    return HttpResponse(html, headers={"HX-Reswap": "none"})


def _from_board(request) -> bool:
    return is_htmx(request) and request.POST.get("from") == "board"


@require_POST
@web_view("deals", write=True)
def deal_won(request, pk):
    deal = access_row(request.user, "deals", Deal.objects.all(), pk, write=True)
    try:
        deal = deal_mark_won(deal=deal, actor=request.user)
    except ValidationError as error:
        if _from_board(request):
            return _board_notice(request, error_text(error))
        messages.error(request, error_text(error))
        return redirect("web:deal_detail", pk=pk)
    text = _("“%(title)s” won. Congratulations!") % {"title": deal.title}
    if _from_board(request):
        return _board_fragment(request, deal=deal, message=text)
    messages.success(request, text)
    return redirect("web:deal_detail", pk=pk)


@require_POST
@web_view("deals", write=True)
def deal_lost(request, pk):
    deal = access_row(request.user, "deals", Deal.objects.all(), pk, write=True)
    form = LostForm(request.POST)
    action = reverse("web:deal_lost", args=[pk])
    if form.is_valid():
        try:
            deal = deal_mark_lost(deal=deal, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None if hasattr(error, "error_dict") else "reason", error_text(error))
        else:
            text = _("“%(title)s” marked lost.") % {"title": deal.title}
            if _from_board(request):
                fresh = render_to_string(
                    "board/_lost_form.html",
                    {"lost_form": LostForm(), "action": action},
                    request=request,
                )
                response = _board_fragment(
                    request, deal=deal, message=text, level="info", main=fresh
                )
                response.headers["HX-Trigger"] = "goalpost:close-dialogs"
                response.write(f'<div hx-swap-oob="delete" id="deal-{deal.pk}"></div>')
                return response
            messages.info(request, text)
            return redirect("web:deal_detail", pk=pk)
    if _from_board(request):
        return render(
            request,
            "board/_lost_form.html",
            {"lost_form": form, "action": action},
            status=422,
        )
    for message in form.errors.get("reason", []) + form.non_field_errors():
        messages.error(request, message)
    return redirect("web:deal_detail", pk=pk)


@web_view("deals", write=True)
def quick_add(request, pk):
    """The board's quick-add dialog: creates the deal and drops its card into its column."""
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = QuickDealForm(request.POST or None, user=request.user, pipeline=pipeline)
    action = reverse("web:board_quick_add", args=[pk])
    context = {"quick_form": form, "action": action, "pipeline": pipeline}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                deal = deal_create(
                    actor=request.user,
                    title=data["title"],
                    value=data["value"],
                    pipeline=pipeline,
                    stage=data["stage"],
                    contact=data.get("contact"),
                    owner=data.get("owner"),
                )
        except ValidationError as error:
            from crm.web.responses import apply_validation_error

            apply_validation_error(form, error)
        else:
            text = _("“%(title)s” added to %(stage)s.") % {
                "title": deal.title,
                "stage": deal.stage.name,
            }
            if not is_htmx(request):
                messages.success(request, text)
                return redirect("web:board_pipeline", pk=pipeline.pk)
            selectors.prepare_cards([deal], deal.stage)
            fresh = render_to_string(
                "board/_quick_form.html",
                {
                    "quick_form": QuickDealForm(user=request.user, pipeline=pipeline),
                    "action": action,
                },
                request=request,
            )
            card = render_to_string(
                "board/_card.html", {"deal": deal, "oob_insert": True}, request=request
            )
            response = _board_fragment(request, deal=deal, message=text, main=fresh + card)
            response.headers["HX-Trigger"] = "goalpost:close-dialogs"
            return response
    status = 422 if request.method == "POST" else 200
    if is_htmx(request):
        return render(request, "board/_quick_form.html", context, status=status)
    return render(request, "board/quick_add_page.html", context, status=status)
