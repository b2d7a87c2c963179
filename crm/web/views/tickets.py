"""Support: the ticket queue (priority, SLA), ticket page with replies, assign/respond/resolve."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import policies
from crm.filters import TicketFilter
from crm.models import Ticket, TicketStatus, User
from crm.models.support import PRIORITY_RANK
from crm.selectors import record_emails
from crm.services.support import ticket_assign as ticket_assign_service
from crm.services.support import ticket_open, ticket_resolve, ticket_respond, ticket_update
from crm.web.access import access_row, visible, web_view
from crm.web.forms.tickets import AssignForm, ReplyForm, TicketForm
from crm.web.list_state import ListChoice, list_choice
from crm.web.lists import ListSpec, list_context
from crm.web.responses import error_text
from crm.web.views.bulk_bar import bulk_bar
from crm.web.views.common import form_round_trip
from crm.web.views.notes import notes_context

SPEC = ListSpec(
    filter_bar=("status", "priority", "assignee", "breached"),
    sorts={
        # The queue: most urgent first, then whose SLA runs out soonest.
        "queue": ("priority_rank", "sla_due_at"),
        "sla": ("sla_due_at",),
        "opened": ("opened_at",),
        "subject": ("subject",),
    },
    default_sort="queue",
)


@web_view("tickets")
def ticket_list(request):
    choice = list_choice(request, "tickets")
    if not isinstance(choice, ListChoice):
        return choice
    tickets, filterset = ticket_list_rows(request.user, request.GET)
    context = list_context(request, tickets, SPEC, filterset)
    context["list_view"] = choice
    context["bulk"] = bulk_bar(request, "tickets", context)
    context["now"] = timezone.now()
    context["can_write"] = policies.can_write(request.user, "tickets")
    return render(request, "tickets/list.html", context)


def ticket_list_rows(user, params):
    """The ticket queue's rows before search and paging, and its filter (also for bulk)."""
    tickets = (
        visible(user, "tickets", Ticket.objects.all())
        .select_related("contact", "assignee")
        .annotate(
            priority_rank=PRIORITY_RANK,
            breached=ExpressionWrapper(
                Q(sla_due_at__lt=timezone.now(), resolved_at__isnull=True),
                output_field=BooleanField(),
            ),
        )
    )
    return tickets, TicketFilter(queue_query(params), queryset=tickets)


def queue_query(params):
    """The queue opens on the work still to do: a query that names no status, search or
    `unresolved` asks for the unresolved tickets. Said in the query (not applied beside
    it), so the export link and a bulk action on every match get the rows shown."""
    if "status" in params or params.get("q") or "unresolved" in params:
        return params
    query = params.copy()
    query["unresolved"] = "true"
    return query


@web_view("tickets")
def ticket_detail(request, pk):
    user = request.user
    ticket = access_row(user, "tickets", Ticket.objects.select_related("contact", "assignee"), pk)
    can_write = policies.can_write(user, "tickets")
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "replies": list(ticket.replies.select_related("author")[:200]),
            "emails": record_emails(user=user, ticket=ticket),
            "can_email": can_write and policies.can_write(user, "emails"),
            "can_write": can_write,
            "reply_form": ReplyForm() if can_write else None,
            "assign_form": AssignForm(initial={"assignee": ticket.assignee_id})
            if can_write
            else None,
            "is_open": ticket.status in (TicketStatus.OPEN, TicketStatus.PENDING),
            "breached": ticket.sla_due_at
            and ticket.resolved_at is None
            and ticket.sla_due_at < timezone.now(),
            "notes": notes_context(user, "ticket", ticket),
        },
    )


@web_view("tickets", write=True)
def ticket_create_view(request):
    user = request.user
    form = TicketForm(request.POST or None, user=user)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: ticket_open(actor=user, **data),
        success_url=lambda t: reverse("web:ticket_detail", args=[t.pk]),
        success_message=_("Ticket opened."),
        context={"heading": _("New ticket"), "cancel_url": reverse("web:ticket_list")},
    )


@web_view("tickets", write=True)
def ticket_edit(request, pk):
    user = request.user
    ticket = access_row(user, "tickets", Ticket.objects.all(), pk, write=True)
    form = TicketForm(request.POST or None, instance=ticket, user=user)
    return form_round_trip(
        request,
        form=form,
        save=lambda data: ticket_update(ticket=Ticket.objects.get(pk=pk), actor=user, data=data),
        success_url=lambda t: reverse("web:ticket_detail", args=[t.pk]),
        success_message=_("Ticket saved."),
        context={
            "heading": _("Edit ticket"),
            "cancel_url": reverse("web:ticket_detail", args=[pk]),
            "back_url": reverse("web:ticket_detail", args=[pk]),
            "back_label": ticket.subject,
        },
    )


def _back(request, pk):
    if request.POST.get("from") == "queue":
        return redirect("web:ticket_list")
    return redirect("web:ticket_detail", pk=pk)


@require_POST
@web_view("tickets", write=True)
def ticket_assign(request, pk):
    """Assign to me (no assignee posted) or to the chosen agent."""
    ticket = access_row(request.user, "tickets", Ticket.objects.all(), pk, write=True)
    if request.POST.get("assignee"):
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose an agent to assign the ticket to."))
            return _back(request, pk)
        assignee: User = form.cleaned_data["assignee"]
    else:
        assignee = request.user
    try:
        ticket_assign_service(ticket=ticket, actor=request.user, assignee=assignee)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return _back(request, pk)
    messages.success(
        request,
        _("“%(subject)s” assigned to %(name)s.") % {"subject": ticket.subject, "name": assignee},
    )
    return _back(request, pk)


@require_POST
@web_view("tickets", write=True)
def ticket_respond_view(request, pk):
    ticket = access_row(request.user, "tickets", Ticket.objects.all(), pk, write=True)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a reply before sending it."))
        return redirect("web:ticket_detail", pk=pk)
    try:
        with transaction.atomic():
            reply = ticket_respond(
                ticket=ticket, actor=request.user, body=form.cleaned_data["body"]
            )
            if request.POST.get("resolve"):
                ticket_resolve(ticket=Ticket.objects.get(pk=pk), actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("web:ticket_detail", pk=pk)
    # The email went out on commit; say what really happened to it.
    reply.refresh_from_db()
    resolved = bool(request.POST.get("resolve"))
    if reply.emailed_at:
        messages.success(
            request,
            (_("Reply emailed to %(to)s and ticket resolved.") if resolved
             else _("Reply emailed to %(to)s.")) % {"to": reply.emailed_to},
        )  # fmt: skip
    else:
        messages.warning(
            request,
            # email_error is a whole sentence ("Not emailed: the address is …").
            (_("Reply saved and ticket resolved. %(why)s") if resolved
             else _("Reply saved. %(why)s"))
            % {"why": reply.email_error or _("It is still being emailed.")},
        )  # fmt: skip
    return redirect("web:ticket_detail", pk=pk)


@require_POST
@web_view("tickets", write=True)
def ticket_resolve_view(request, pk):
    ticket = access_row(request.user, "tickets", Ticket.objects.all(), pk, write=True)
    try:
        ticket_resolve(ticket=ticket, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("“%(subject)s” resolved.") % {"subject": ticket.subject})
    return _back(request, pk)
