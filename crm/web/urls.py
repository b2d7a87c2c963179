"""Browser pages of the core CRM, included at the site root by crm/urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.web.views import (
    activities,
    auth,
    board,
    bulk,
    companies,
    contacts,
    deals,
    emails,
    home,
    leads,
    lookups,
    notes,
    notifications,
    profile,
    saved_views,
    suppressions,
    tickets,
)
from crm.web.views.settings import audit as settings_audit
from crm.web.views.settings import index as settings_index
from crm.web.views.settings import pipelines as settings_pipelines
from crm.web.views.settings import teams as settings_teams
from crm.web.views.settings import users as settings_users
from crm.web.views.settings import workspace as settings_workspace

settings_patterns = [
    path("settings/", settings_index.settings_index, name="settings"),
    path("settings/users/", settings_users.user_list, name="settings_users"),
    path("settings/audit/", settings_audit.audit_list, name="settings_audit"),
    path("settings/users/invite/", settings_users.user_invite_view, name="settings_user_invite"),
    path("settings/users/<int:pk>/", settings_users.user_edit_view, name="settings_user_edit"),
    path(
        "settings/users/<int:pk>/deactivate/",
        settings_users.user_deactivate_view,
        name="settings_user_deactivate",
    ),
    path(
        "settings/users/<int:pk>/reactivate/",
        settings_users.user_reactivate_view,
        name="settings_user_reactivate",
    ),
    path("settings/teams/", settings_teams.team_list, name="settings_teams"),
    path("settings/teams/new/", settings_teams.team_create_view, name="settings_team_create"),
    path("settings/teams/<int:pk>/", settings_teams.team_edit_view, name="settings_team_edit"),
    path(
        "settings/teams/<int:pk>/delete/",
        settings_teams.team_delete_view,
        name="settings_team_delete",
    ),
    path("settings/pipelines/", settings_pipelines.pipeline_list, name="settings_pipelines"),
    path(
        "settings/pipelines/new/",
        settings_pipelines.pipeline_create_view,
        name="settings_pipeline_create",
    ),
    path(
        "settings/pipelines/<int:pk>/",
        settings_pipelines.pipeline_detail,
        name="settings_pipeline",
    ),
    path(
        "settings/pipelines/<int:pk>/edit/",
        settings_pipelines.pipeline_edit_view,
        name="settings_pipeline_edit",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/new/",
        settings_pipelines.stage_create_view,
        name="settings_stage_create",
    ),
    path(
        "settings/pipelines/<int:pk>/order/",
        settings_pipelines.stage_order_view,
        name="settings_stage_order",
    ),
    path(
        "settings/stages/<int:pk>/",
        settings_pipelines.stage_edit_view,
        name="settings_stage_edit",
    ),
    path(
        "settings/stages/<int:pk>/move/<str:direction>/",
        settings_pipelines.stage_move_view,
        name="settings_stage_move",
    ),
    path(
        "settings/stages/<int:pk>/delete/",
        settings_pipelines.stage_delete_view,
        name="settings_stage_delete",
    ),
    path(
        "settings/lost-reasons/",
        settings_workspace.lost_reason_list,
        name="settings_lost_reasons",
    ),
    path(
        "settings/lost-reasons/new/",
        settings_workspace.lost_reason_create_view,
        name="settings_lost_reason_create",
    ),
    path(
        "settings/lost-reasons/<int:pk>/",
        settings_workspace.lost_reason_edit_view,
        name="settings_lost_reason_edit",
    ),
    path(
        "settings/lost-reasons/<int:pk>/delete/",
        settings_workspace.lost_reason_delete_view,
        name="settings_lost_reason_delete",
    ),
    path("settings/sla/", settings_workspace.sla_targets_view, name="settings_sla"),
    path("settings/email/", settings_workspace.email_sender_view, name="settings_email"),
    path(
        "settings/email-templates/",
        emails.email_template_list,
        name="settings_email_templates",
    ),
    path(
        "settings/email-templates/new/",
        emails.email_template_create_view,
        name="settings_email_template_create",
    ),
    path(
        "settings/email-templates/<int:pk>/",
        emails.email_template_edit_view,
        name="settings_email_template_edit",
    ),
    path(
        "settings/email-templates/<int:pk>/delete/",
        emails.email_template_delete_view,
        name="settings_email_template_delete",
    ),
]

web_patterns = [
    path("", home.home, name="home"),
    # Pipeline board
    path("pipeline/", board.board, name="board"),
    path("pipeline/<int:pk>/", board.board, name="board_pipeline"),
    path(
        "pipeline/<int:pk>/stages/<int:stage_id>/cards/",
        board.column_more,
        name="board_column_more",
    ),
    path("pipeline/<int:pk>/deals/new/", board.quick_add, name="board_quick_add"),
    path("deals/<int:pk>/move/", board.deal_move, name="deal_move"),
    path("deals/<int:pk>/won/", board.deal_won, name="deal_won"),
    path("deals/<int:pk>/lost/", board.deal_lost, name="deal_lost"),
    # Suppression list (consent by address)
    path("suppressions/", suppressions.suppression_list, name="suppression_list"),
    path("suppressions/new/", suppressions.suppression_add, name="suppression_add"),
    path("suppressions/<int:pk>/edit/", suppressions.suppression_edit, name="suppression_edit"),
    path(
        "suppressions/<int:pk>/remove/",
        suppressions.suppression_remove_view,
        name="suppression_remove",
    ),
    # Deals
    path("deals/", deals.deal_list, name="deal_list"),
    path("deals/new/", deals.deal_create_view, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/delete/", deals.deal_delete, name="deal_delete"),
    path("deals/<int:pk>/reopen/", deals.deal_reopen_view, name="deal_reopen"),
    path("deals/<int:pk>/log/", deals.deal_log_activity, name="deal_log_activity"),
    # Contacts and companies
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create_view, name="contact_create"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("companies/", companies.company_list, name="company_list"),
    path("companies/new/", companies.company_create_view, name="company_create"),
    path("companies/<int:pk>/", companies.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", companies.company_edit, name="company_edit"),
    path("companies/<int:pk>/delete/", companies.company_delete, name="company_delete"),
    # Leads
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/new/", leads.lead_create_view, name="lead_create"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", leads.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/delete/", leads.lead_delete, name="lead_delete"),
    path("leads/<int:pk>/convert/", leads.lead_convert_view, name="lead_convert"),
    # Activities
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_create_view, name="activity_create"),
    path("activities/log/", activities.quick_log, name="activity_quick_log"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/delete/", activities.activity_delete, name="activity_delete"),
    path("activities/<int:pk>/done/", activities.activity_done, name="activity_done"),
    # Tickets
    path("tickets/", tickets.ticket_list, name="ticket_list"),
    path("tickets/new/", tickets.ticket_create_view, name="ticket_create"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/edit/", tickets.ticket_edit, name="ticket_edit"),
    path("tickets/<int:pk>/assign/", tickets.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/respond/", tickets.ticket_respond_view, name="ticket_respond"),
    path("tickets/<int:pk>/resolve/", tickets.ticket_resolve_view, name="ticket_resolve"),
    # Notes on deals, contacts, companies and tickets
    path("notes/<str:record>/<int:pk>/new/", notes.note_add, name="note_add"),
    path("notes/<int:pk>/edit/", notes.note_edit, name="note_edit"),
    path("notes/<int:pk>/delete/", notes.note_delete_view, name="note_delete"),
    path("notes/<int:pk>/pin/", notes.note_pin, name="note_pin"),
    # Bulk actions from the lists
    path("bulk/<str:resource>/", bulk.bulk_apply, name="bulk_apply"),
    path("bulk/actions/<int:pk>/", bulk.bulk_detail, name="bulk_detail"),
    path("bulk/actions/<int:pk>/undo/", bulk.bulk_undo_view, name="bulk_undo"),
    # Email from records, and replies recorded by hand
    path("deals/<int:pk>/email/", emails.deal_email, name="deal_email"),
    path("deals/<int:pk>/email/preview/", emails.deal_email_preview, name="deal_email_preview"),
    path("contacts/<int:pk>/email/", emails.contact_email, name="contact_email"),
    path(
        "contacts/<int:pk>/email/preview/",
        emails.contact_email_preview,
        name="contact_email_preview",
    ),
    path("tickets/<int:pk>/email/", emails.ticket_email, name="ticket_email"),
    path(
        "tickets/<int:pk>/email/preview/",
        emails.ticket_email_preview,
        name="ticket_email_preview",
    ),
    path("emails/<int:pk>/reply/", emails.email_reply_record_view, name="email_reply_record"),
    # Saved views of the lists
    path("saved-views/", saved_views.saved_view_list, name="saved_view_list"),
    path("saved-views/new/", saved_views.saved_view_create_view, name="saved_view_create"),
    path("saved-views/<int:pk>/", saved_views.saved_view_edit, name="saved_view_edit"),
    path(
        "saved-views/<int:pk>/delete/",
        saved_views.saved_view_delete_view,
        name="saved_view_delete",
    ),
    # Small helpers
    path("lookup/<str:kind>/", lookups.lookup, name="lookup"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("profile/", profile.profile, name="profile"),
    path("profile/two-factor/", auth.two_factor_settings, name="two_factor"),
    *settings_patterns,
]

# Django's auth views under their default names (LOGIN_URL = "login"), with our templates.
auth_patterns = [
    path("accounts/login/", auth.SigninView.as_view(), name="login"),
    path("accounts/login/code/", auth.signin_code, name="login_code"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/",
        auth.AuditedPasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        auth.LimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth.TokenRevokingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [*auth_patterns, path("", include((web_patterns, "web")))]
