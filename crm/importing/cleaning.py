"""Turning one spreadsheet row into typed values, or into reasons it cannot be imported.

The preview and the import job use the same cleaner, so the preview's verdict on a row
is the job's. Lookups (users, pipelines, stages, campaigns) are loaded once per cleaner:
those tables are small, and a query per row would dominate a 100,000-row import.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from crm.languages import language_from_text
from crm.limits import date_in_range, tags_check
from crm.models import (
    Campaign,
    DealStatus,
    ImportKind,
    LeadStatus,
    Pipeline,
    Stage,
    User,
)
from crm.services.deals import deal_create_check
from crm.services.support import ticket_moments_check

from . import formats
from .formula_guard import restore_cell
from .mapping import normalise_header
from .schema import ImportField, fields_for, model_field

# Kinds whose rows name a contact by email (created when unknown and named).
LINKED_CONTACT_KINDS = (
    ImportKind.DEALS,
    ImportKind.PURCHASES,
    ImportKind.LEADS,
    ImportKind.ACTIVITIES,
    ImportKind.TICKETS,
)
TICKET_MOMENTS = ("opened_at", "first_response_at", "resolved_at")
TRUE_WORDS = {"1", "yes", "y", "true", "t", "x", "ja", "j", "evet", "da", "oui", "si", "예", "بله"}
# How many distinct choice cells a cleaner remembers (bounded: a file of junk stays small).
CHOICES_REMEMBERED = 10_000
FALSE_WORDS = {"0", "no", "n", "false", "f", "nein", "hayir", "nu", "non", "아니오", "خیر"}


class _EmailCheck(EmailValidator):
    """Django's `validate_email`, remembering each domain's verdict.

    Checking the domain part is most of the cost of an address, and a file repeats a
    handful of domains (at most DOMAINS_REMEMBERED kept, so a file of junk stays small).
    """

    DOMAINS_REMEMBERED = 10_000

    def __init__(self) -> None:
        super().__init__()
        self._domains: dict[str, bool] = {}

    def validate_domain_part(self, domain_part):
        verdict = self._domains.get(domain_part)
        if verdict is None:
            verdict = super().validate_domain_part(domain_part)
            if len(self._domains) < self.DOMAINS_REMEMBERED:
                self._domains[domain_part] = verdict
        return verdict


@dataclass
class RowError:
    column: str
    reason: str
    value: str = ""


@dataclass
class CleanRow:
    number: int
    values: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    # What the preview expects the row to do: create, update, skip or error.
    action: str = ""
    # The mapped cells as written in the file (preview only).
    cells: list = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # XLSX stores 4915112345 as 4915112345.0; a phone or a code must not gain ".0".
        return str(int(value))
    return str(value).strip()


def _fold(value: str) -> str:
    return normalise_header(value)


def parse_decimal(value, number_format: str = "") -> Decimal:
    """A number in the column's format ("point" or "comma"; see formats.py)."""
    return formats.parse_number(value, number_format)


def parse_date_value(value, order: str = "") -> dt.date:
    """A date in the column's order ("dmy" or "mdy"; ISO dates read in any)."""
    return formats.parse_date(value, order)


def parse_datetime_value(value, order: str = "") -> dt.datetime:
    """A moment; naive ones are in the current time zone (the one Goalpost exports in)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        text = str(value).strip()
        parsed = None
        if re.match(r"\d{4}-", text):
            try:
                parsed = parse_datetime(text)
            except ValueError:
                parsed = None
        if parsed is None:
            date_part, time_part = formats.split_moment(text)
            parsed = dt.datetime.combine(
                formats.parse_date(date_part, order), formats.parse_time(time_part)
            )
        moment = parsed
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def normalise_domain(value: str) -> str:
    """ "https://www.Example.com/about" → "example.com": how companies are matched."""
    text = str(value or "").strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/")[0].split("?")[0].split("#")[0]
    text = text.split("@")[-1]
    if text.startswith("www."):
        text = text[4:]
    return text.strip(".")


def split_full_name(value: str) -> tuple[str, str]:
    text = " ".join(str(value).split())
    if "," in text:
        last, _sep, first = text.partition(",")
        return first.strip(), last.strip()
    first, _sep, last = text.rpartition(" ")
    return (first, last) if first else (last, "")


def split_tags(value) -> list[str]:
    return [t.strip() for t in re.split(r"[,;|]", str(value)) if t.strip()]


class RowCleaner:
    """Cleans rows of one import kind under one mapping ({header: field})."""

    def __init__(
        self,
        *,
        kind: str,
        headers: list[str],
        mapping: dict[str, str],
        column_formats: dict[str, str] | None = None,
    ):
        self.kind = kind
        self.specs = fields_for(kind)
        # (cell index, header, spec) for every mapped column, in file order.
        self.columns = [
            (index, header, self.specs[mapping[header]])
            for index, header in enumerate(headers)
            if mapping.get(header) in self.specs
        ]
        self.header_for = {spec.name: header for _i, header, spec in self.columns}
        # {field: "point"/"comma"/"dmy"/"mdy"}: how the column reads, decided for the
        # whole column (formats.py); "" reads only cells that read one way.
        column_formats = column_formats or {}
        self.format_for = {
            spec.name: column_formats.get(header, "") for _i, header, spec in self.columns
        }
        # Resolved once: looking a model field up per cell costs more than cleaning it.
        self.model_fields = {spec.name: model_field(spec) for _i, _h, spec in self.columns}
        # The method that reads each column's cells (a stage is read with its pipeline).
        self.handlers = {
            spec.name: getattr(self, f"_clean_{spec.type}", None) for *_cells, spec in self.columns
        }
        self._email_check = _EmailCheck()
        self._users: dict[str, User] | None = None
        self._pipelines: dict[str, Pipeline] | None = None
        self._stages: dict[tuple[int, str], Stage] | None = None
        self._campaigns: dict[str, Campaign] | None = None
        self._choice_maps: dict[str, dict[str, str]] = {}
        # {(field, cell text): value} for cells already read: folding a label costs more
        # than the rest of a contact row, and a column repeats a handful of spellings.
        self._choices_read: dict[tuple[str, str], str] = {}

    # --- lookups, loaded on first use -----------------------------------------------
    def _user_index(self) -> dict[str, User]:
        if self._users is None:
            self._users = {}
            for user in User.objects.filter(is_active=True).order_by("-pk"):
                self._users[user.username.lower()] = user
                if user.email:
                    self._users[user.email.lower()] = user
        return self._users

    def _pipeline_index(self) -> dict[str, Pipeline]:
        if self._pipelines is None:
            pipelines = list(Pipeline.objects.all())
            self._pipelines = {_fold(p.name): p for p in pipelines}
            self._stages = {}
            for stage in Stage.objects.select_related("pipeline").order_by("pipeline", "position"):
                self._stages.setdefault((stage.pipeline_id, _fold(stage.name)), stage)
        return self._pipelines

    def _campaign_index(self) -> dict[str, Campaign]:
        if self._campaigns is None:
            self._campaigns = {_fold(c.name): c for c in Campaign.objects.all()}
        return self._campaigns

    def default_pipeline(self) -> Pipeline | None:
        pipelines = self._pipeline_index().values()
        return next((p for p in pipelines if p.is_default), None) or min(
            pipelines, key=lambda p: p.pk, default=None
        )

    # --- cleaning -------------------------------------------------------------------
    def clean(self, number: int, cells: list) -> CleanRow:
        row = CleanRow(number=number)
        raw_stage = None
        for index, header, spec in self.columns:
            raw = cells[index] if index < len(cells) else None
            text = restore_cell(cell_text(raw))
            if text == "":
                if spec.required:
                    row.errors.append(RowError(header, _("This field is required.")))
                continue
            if spec.type == "stage":
                raw_stage = (header, text)  # needs the pipeline: resolved below
                continue
            try:
                self._clean_value(row, spec, raw, text)
            except ValidationError as exc:
                for message in exc.messages:
                    row.errors.append(RowError(header, message, text))
        if self.kind == ImportKind.CONTACTS:
            self._check_contact_name(row)
        if self.kind == ImportKind.DEALS:
            self._check_deal(row, raw_stage)
        if self.kind == ImportKind.LEADS:
            self._check_lead(row)
        if self.kind == ImportKind.TICKETS:
            self._check_ticket(row)
        if self.kind in LINKED_CONTACT_KINDS:
            self._check_linked_contact(row)
        return row

    def _clean_value(self, row: CleanRow, spec: ImportField, raw, text: str) -> None:
        # Every import field type has its _clean_<type> method (getattr's None never stays).
        value = self.handlers[spec.name](spec, raw, text)  # type: ignore[misc]
        column = self.model_fields[spec.name]
        if column is not None and value not in (None, ""):
            if spec.type != "email":  # already checked by validate_email
                column.run_validators(value)
            if column.max_length and len(str(value)) > column.max_length:
                raise ValidationError(
                    _("At most %(max)s characters (this one has %(n)s).")
                    % {"max": column.max_length, "n": len(str(value))}
                )
        if spec.type == "full_name":
            first, last = value
            prefix = spec.extra.get("prefix", "")
            row.values.setdefault(f"{prefix}first_name", first)
            if last:
                row.values.setdefault(f"{prefix}last_name", last)
            return
        row.values[spec.name] = value

    def _clean_str(self, spec, raw, text):
        return text

    def _clean_full_name(self, spec, raw, text):
        return split_full_name(text)

    def _clean_email(self, spec, raw, text):
        email = text.lower()
        try:
            self._email_check(email)
        except ValidationError:
            raise ValidationError(
                _("“%(value)s” is not a valid email address.") % {"value": text}
            ) from None
        return email

    def _format_error(self, spec, text: str, readings) -> ValidationError | None:
        number_format = self.format_for.get(spec.name, "")
        if len(set(readings.values())) > 1 and not number_format:
            return ValidationError(
                _(
                    "“%(value)s” can be read two ways: choose how the column is written "
                    "in the preview."
                )
                % {"value": text}
            )
        if spec.type != "decimal":
            if number_format and readings:
                order = dict(formats.DATE_ORDERS)[number_format]
                return ValidationError(
                    _("“%(value)s” is not a date written %(order)s, as the column is.")
                    % {"value": text, "order": order}
                )
            return None
        if number_format and readings:
            written = dict(formats.NUMBER_FORMATS)[number_format]
            return ValidationError(
                _("“%(value)s” is not a number written as %(format)s.")
                % {"value": text, "format": written}
            )
        return ValidationError(_("“%(value)s” is not a number.") % {"value": text})

    def _clean_decimal(self, spec, raw, text):
        try:
            value = parse_decimal(raw, self.format_for.get(spec.name, ""))
        except (InvalidOperation, ValueError):
            raise self._format_error(spec, text, formats.number_readings(text)) from None
        if not value.is_finite():
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": text})
        if value < 0:
            raise ValidationError(_("The amount cannot be negative."))
        return value.quantize(Decimal("0.01"))

    def _clean_integer(self, spec, raw, text):
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": text})

    def _clean_record_id(self, spec, raw, text):
        """The id of a deal or lead, as the lead and activity exports write it."""
        try:
            value = self._clean_integer(spec, raw, text)
        except ValidationError:
            value = 0
        if value <= 0:
            raise ValidationError(
                _("“%(value)s” is not an id (a whole number, as the export writes it).")
                % {"value": text}
            )
        return value

    _clean_deal_id = _clean_lead_id = _clean_record_id

    def _clean_deal(self, spec, raw, text):
        # A deal's title: found by the job and the preview (writers.References.deal_by_title).
        return text

    def _clean_currency(self, spec, raw, text):
        code = text.upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise ValidationError(
                _("“%(value)s” is not a three-letter currency code (ISO 4217).") % {"value": text}
            )
        return code

    def _date_error(self, spec, text: str):
        readings = formats.date_readings(formats.split_moment(text)[0])
        return self._format_error(spec, text, readings)

    def _clean_date(self, spec, raw, text):
        try:
            value = parse_date_value(raw, self.format_for.get(spec.name, ""))
        except (ValueError, TypeError):
            raise self._date_error(spec, text) or ValidationError(
                _("“%(value)s” is not a date (use YYYY-MM-DD or DD.MM.YYYY).") % {"value": text}
            ) from None
        date_in_range(value)
        return value

    def _clean_datetime(self, spec, raw, text):
        try:
            value = parse_datetime_value(raw, self.format_for.get(spec.name, ""))
        except (ValueError, TypeError, OverflowError):
            raise self._date_error(spec, text) or ValidationError(
                _("“%(value)s” is not a date and time (use YYYY-MM-DD HH:MM).") % {"value": text}
            ) from None
        date_in_range(value)
        return value

    def _clean_bool(self, spec, raw, text):
        if isinstance(raw, bool):
            return raw
        folded = _fold(text) or text.lower()
        if folded in TRUE_WORDS:
            return True
        if folded in FALSE_WORDS:
            return False
        raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": text})

    def _clean_choice(self, spec, raw, text):
        known = self._choices_read.get((spec.name, text))
        if known is not None:
            return known
        lookup = self._choice_maps.get(spec.name)
        if lookup is None:
            lookup = {}
            for value, label in spec.choices.choices:
                lookup.setdefault(_fold(str(label)), value)
                lookup[_fold(value)] = value
            self._choice_maps[spec.name] = lookup
        value = lookup.get(_fold(text))
        if value is not None:
            if len(self._choices_read) < CHOICES_REMEMBERED:
                self._choices_read[(spec.name, text)] = value
            return value
        labels = ", ".join(str(label) for _value, label in spec.choices.choices)
        raise ValidationError(
            _("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": labels}
        )

    def _clean_language(self, spec, raw, text):
        code = language_from_text(text)
        if code is None:
            names = ", ".join(
                f"{c} ({get_language_info(c)['name_local']})" for c, _label in settings.LANGUAGES
            )
            raise ValidationError(
                _("“%(value)s” is not a language Goalpost speaks; use one of: %(languages)s.")
                % {"value": text, "languages": names}
            )
        return code

    def _clean_user(self, spec, raw, text):
        user = self._user_index().get(text.lower())
        if user is None:
            raise ValidationError(_("No active user “%(value)s”.") % {"value": text})
        return user

    def _clean_pipeline(self, spec, raw, text):
        pipeline = self._pipeline_index().get(_fold(text))
        if pipeline is None:
            raise ValidationError(_("No pipeline “%(value)s”.") % {"value": text})
        return pipeline

    def _clean_campaign(self, spec, raw, text):
        campaign = self._campaign_index().get(_fold(text))
        if campaign is None:
            raise ValidationError(_("No campaign “%(value)s”.") % {"value": text})
        return campaign

    def _clean_company(self, spec, raw, text):
        if len(text) > 200:
            raise ValidationError(
                _("At most 200 characters (this one has %(n)s).") % {"n": len(text)}
            )
        return text

    def _clean_domain(self, spec, raw, text):
        return normalise_domain(text)

    def _clean_tags(self, spec, raw, text):
        tags = list(dict.fromkeys(split_tags(text)))
        tags_check(tags)
        return tags

    # --- whole-row rules ---------------------------------------------------------
    def _error(self, row: CleanRow, field_name: str, reason: str) -> None:
        column = self.header_for.get(field_name) or str(self.specs[field_name].label)
        row.errors.append(RowError(column, reason, cell_text(row.values.get(field_name))))

    def _check_contact_name(self, row: CleanRow) -> None:
        if not row.values.get("first_name") and not any(
            e.column in (self.header_for.get("first_name"), self.header_for.get("full_name"))
            for e in row.errors
        ):
            name_field = "first_name" if "first_name" in self.header_for else "full_name"
            self._error(row, name_field, _("A contact needs a first name."))

    def _check_deal(self, row: CleanRow, raw_stage) -> None:
        values = row.values
        self._pipeline_index()
        pipeline = values.get("pipeline")
        pipeline_header = self.header_for.get("pipeline")
        pipeline_failed = any(e.column == pipeline_header for e in row.errors)
        if pipeline is None and not pipeline_failed:
            pipeline = self.default_pipeline()
            if pipeline is None:
                self._error(row, "title", _("Create a pipeline before importing deals."))
                return
            values["pipeline"] = pipeline
        if raw_stage and pipeline is not None:
            header, text = raw_stage
            # Loaded with the pipelines (default_pipeline or the pipeline column read them).
            stage = self._stages.get((pipeline.pk, _fold(text)))  # type: ignore[union-attr]
            if stage is None:
                row.errors.append(
                    RowError(
                        header,
                        _("No stage “%(value)s” in the pipeline “%(pipeline)s”.")
                        % {"value": text, "pipeline": pipeline.name},
                        text,
                    )
                )
            else:
                values["stage"] = stage
        status = values.get("status", DealStatus.OPEN)
        closed_at, created_at = values.get("closed_at"), values.get("created_at")
        if closed_at and not created_at and status != DealStatus.OPEN:
            # A migrated closed deal without its creation date existed at least by then.
            values["created_at"] = created_at = closed_at
        # The create service's own rules, so the preview refuses a row in its words.
        try:
            deal_create_check(
                status=status,
                lost_reason=values.get("lost_reason", ""),
                created_at=created_at,
                closed_at=closed_at,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = name if name in self.header_for else "status"
                for message in messages:
                    self._error(row, column, message)
        if closed_at and closed_at > timezone.now() + dt.timedelta(days=1):
            self._error(row, "closed_at", _("A deal cannot close in the future."))

    def _failed(self, row: CleanRow, field_name: str) -> bool:
        header = self.header_for.get(field_name)
        return header is not None and any(e.column == header for e in row.errors)

    def _check_lead(self, row: CleanRow) -> None:
        values = row.values
        status = values.get("status", LeadStatus.NEW)
        converted_at = values.get("converted_at")
        if self._failed(row, "status") or self._failed(row, "converted_at"):
            return
        if status == LeadStatus.CONVERTED and not converted_at:
            self._error(
                row,
                "converted_at" if "converted_at" in self.header_for else "status",
                _("A converted lead needs the date it was converted."),
            )
        if status != LeadStatus.CONVERTED and converted_at:
            self._error(row, "converted_at", _("Only a converted lead has a conversion date."))

    def _check_ticket(self, row: CleanRow) -> None:
        values = row.values
        if any(self._failed(row, name) for name in (*TICKET_MOMENTS, "status")):
            return
        first, resolved = values.get("first_response_at"), values.get("resolved_at")
        opened = values.get("opened_at")
        if opened is None and (first or resolved):
            # A migrated ticket without its opening date was open at least by then.
            values["opened_at"] = opened = min(m for m in (first, resolved) if m)
        # The open service's own rules, so the preview refuses a row in its words.
        try:
            ticket_moments_check(
                status=values.get("status"),
                opened_at=opened,
                moments={"resolved_at": resolved, "first_response_at": first},
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    self._error(row, name, message)

    def _check_linked_contact(self, row: CleanRow) -> None:
        # Whether an unknown email has a name to create the contact with is checked at
        # write time (the preview checks it in bulk), since it depends on the database.
        if row.values.get("contact_first_name") and not row.values.get("contact_email"):
            self._error(
                row,
                "contact_email" if "contact_email" in self.header_for else "contact_first_name",
                _("Give the contact's email so an existing contact is not duplicated."),
            )
