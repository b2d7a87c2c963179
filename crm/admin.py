"""Django admin for every model: an operator's window, not where business rules live.

Rows are read and corrected here; the browser UI and the API go through the services.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crm import models


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (_("Goalpost"), {"fields": ("role", "team")}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, (_("Goalpost"), {"fields": ("role", "team")}))


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "manager")
    search_fields = ("name",)


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(models.Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "owner", "created_at")
    search_fields = ("name", "domain")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)


class CustomerSpellInline(admin.TabularInline):
    """Read-only: spells are written by crm.services.spells (purchases, churn edits)."""

    model = models.CustomerSpell
    extra = 0
    readonly_fields = ("started_at", "ended_at", "first")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "company", "owner", "lifecycle", "opted_out")
    list_filter = ("lifecycle", "source", "opted_out")
    search_fields = ("first_name", "last_name", "email")
    list_select_related = ("company", "owner")
    raw_id_fields = ("company", "owner", "referred_by")
    filter_horizontal = ("tags",)
    inlines = [CustomerSpellInline]


@admin.register(models.Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ("contact", "kind", "occurred_at")
    list_filter = ("kind",)
    raw_id_fields = ("contact",)
    date_hierarchy = "occurred_at"


@admin.register(models.Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("referrer", "referred", "referred_on")
    raw_id_fields = ("referrer", "referred")


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "is_active", "starts_on", "ends_on")
    list_filter = ("is_active", "channel")
    search_fields = ("name",)


@admin.register(models.Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("contact", "status", "score", "owner", "source", "created_at")
    list_filter = ("status", "source")
    raw_id_fields = ("contact", "owner", "deal", "campaign")
    list_select_related = ("contact", "owner")


class StageInline(admin.TabularInline):
    model = models.Stage
    extra = 0


@admin.register(models.Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default")
    inlines = [StageInline]


@admin.register(models.Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("name", "pipeline", "position", "win_probability", "rotting_days")
    list_filter = ("pipeline",)


class StageChangeInline(admin.TabularInline):
    model = models.StageChange
    extra = 0
    readonly_fields = ("stage", "entered_at", "left_at", "actor")
    can_delete = False


@admin.register(models.Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("title", "value", "currency", "stage", "owner", "status", "created_at")
    list_filter = ("status", "kind", "pipeline")
    search_fields = ("title",)
    raw_id_fields = ("owner", "contact", "company")
    list_select_related = ("stage", "owner")
    inlines = [StageChangeInline]


@admin.register(models.StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ("deal", "stage", "entered_at", "left_at")
    raw_id_fields = ("deal",)
    list_select_related = ("deal", "stage")


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "assignee", "due_at", "done_at")
    list_filter = ("kind",)
    raw_id_fields = ("assignee", "deal", "lead", "contact")


@admin.register(models.Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = (
        "contact",
        "amount",
        "currency",
        "product",
        "category",
        "purchased_at",
        "reversed_at",
    )

    def get_queryset(self, request):
        # Reversed purchases are history: the admin shows them too.
        return models.Purchase.history.all()

    list_filter = ("category",)
    raw_id_fields = ("contact", "company", "deal", "campaign")
    date_hierarchy = "purchased_at"


@admin.register(models.Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("contact", "plan", "amount", "renewal_due", "status")
    list_filter = ("status", "plan")
    raw_id_fields = ("contact", "company")


@admin.register(models.Spend)
class SpendAdmin(admin.ModelAdmin):
    list_display = ("month", "category", "campaign", "amount")
    list_filter = ("category",)


class TicketReplyInline(admin.TabularInline):
    model = models.TicketReply
    extra = 0


@admin.register(models.Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("subject", "priority", "status", "assignee", "opened_at", "resolved_at")
    list_filter = ("priority", "status")
    raw_id_fields = ("contact", "company", "assignee")
    inlines = [TicketReplyInline]


@admin.register(models.NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ("contact", "score", "scale", "channel", "responded_at")
    list_filter = ("scale", "channel")
    raw_id_fields = ("contact",)


class DomainEventReceiptInline(admin.TabularInline):
    """Which handlers have processed the event (written by the handlers, never by hand)."""

    model = models.DomainEventReceipt
    fields = ("handler", "processed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    list_display = ("kind", "subject_type", "subject_id", "occurred_at", "processed_at")
    list_filter = ("kind", "automate")
    readonly_fields = [f.name for f in models.DomainEvent._meta.fields]
    inlines = [DomainEventReceiptInline]


@admin.register(models.Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "message", "created_at", "read_at")
    raw_id_fields = ("user",)
