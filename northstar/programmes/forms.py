"""Validation of programmes, their funders, strands, managers and output targets: the one check
of each, used by services.py (which the pages and the admin call), and the return upload form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from northstar.assets.models import Theme

from . import calculations as calc
from .models import (
    FunderContribution,
    OutputDefinition,
    OutputKind,
    OutputTarget,
    Programme,
    ProgrammeManager,
    Strand,
)

# Paths under /programmes/ that are not programmes: a programme cannot have these as its slug.
RESERVED_SLUGS = {"new", "returns", "claims"}
FIRST_YEAR, LAST_YEAR = 1990, 2100
LONGEST_PROGRAMME_YEARS = 25  # bounds the quarterly profile table (100 quarters)
ORGANISATION_NAME_LENGTH = 190  # an organisation's name is part of its linkage key (200)
FUNDERS_PREFIX = "funders"


class ReturnUploadForm(forms.Form):
    quarter = forms.CharField(
        label="Quarter reported",
        help_text="The financial-year quarter, for example 2024-25 Q1 (April to June 2024)",
        max_length=12,
    )
    file = forms.FileField(label="Completed return (.xlsx)", help_text="The filled-in template")

    def clean_quarter(self):
        try:
            return calc.parse_quarter(self.cleaned_data["quarter"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


# --- Fields as people fill them in ---


class AmountField(forms.DecimalField):
    """A quantity or sum of money as people type it ("1,500", "£2,000.50"): not negative, at most
    two decimal places."""

    def __init__(self, *, what: str = "the amount", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            max_digits=14,
            decimal_places=2,
            min_value=Decimal(0),
            error_messages={
                "invalid": f"Enter {what} as a number, like 1500 or 1500.50",
                "min_value": f"Enter {what} as 0 or more",
                "max_digits": f"Enter {what} as less than 1,000,000,000,000",
                "max_whole_digits": f"Enter {what} as less than 1,000,000,000,000",
                "max_decimal_places": f"Enter {what} with no more than 2 decimal places",
            },
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace(",", "").removeprefix("£")
        return super().to_python(value)


class DateInputWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes (named NAME_day, NAME_month, NAME_year)."""

    def __init__(self, attrs=None):
        super().__init__(
            {"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput}, attrs
        )

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date from the three GOV.UK boxes; all empty is no date."""

    widget = DateInputWidget

    def __init__(self, *, label: str, **kwargs):
        self.what = label.split(" (")[0]
        super().__init__(
            fields=[forms.CharField(required=False, max_length=4) for _ in range(3)],
            require_all_fields=False,
            required=False,
            label=label,
            **kwargs,
        )

    def compress(self, values):
        values = [(v or "").strip() for v in values]
        if not any(values):
            return None
        missing = [name for name, v in zip(("day", "month", "year"), values, strict=True) if not v]
        if missing:
            raise forms.ValidationError(f"{self.what} must include a {' and '.join(missing)}")
        if not all(v.isdigit() for v in values):
            raise forms.ValidationError(f"{self.what} must be a real date, in numbers")
        day, month, year = (int(v) for v in values)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise forms.ValidationError(
                f"{self.what} must have a year between {FIRST_YEAR} and {LAST_YEAR}"
            )
        try:
            return date(year, month, day)
        except ValueError:
            raise forms.ValidationError(f"{self.what} must be a real date") from None


# --- A programme and its funders ---


class ProgrammeForm(forms.ModelForm):
    """A programme's details. The web address (slug) is chosen once, when it is created."""

    lead = forms.CharField(
        label="Lead organisation (optional)",
        required=False,
        max_length=ORGANISATION_NAME_LENGTH,
        help_text="Its name as registered; it is linked to the organisations list",
    )
    theme = forms.ModelChoiceField(
        queryset=Theme.objects.all(), to_field_name="code", required=False, empty_label="No theme"
    )
    start_date = DateField(label="Start date (optional)", help_text="For example, 1 4 2024")
    end_date = DateField(label="End date (optional)", help_text="For example, 31 3 2029")
    spend_as_at = DateField(label="Spend as at (optional)", help_text="For example, 31 3 2025")
    budget = AmountField(
        label="Budget in £ (optional)", what="the budget", help_text="Empty when unpublished"
    )
    spend = AmountField(label="Spend to date in £ (optional)", what="the spend")

    class Meta:
        model = Programme
        fields = [
            "name",
            "short_name",
            "slug",
            "summary",
            "lead",
            "theme",
            "status",
            "start_date",
            "end_date",
            "budget",
            "spend",
            "spend_as_at",
            "published",
            "source",
        ]
        labels = {
            "name": "Name",
            "short_name": "Short name (optional)",
            "slug": "Web address (optional)",
            "summary": "Description (optional)",
            "status": "Status",
            "published": "Shown to the public",
            "source": "Source of the published figures (optional)",
        }
        help_texts = {
            "short_name": "An abbreviation people know it by, for example POIZ",
            "slug": "The end of its address, /programmes/…/: lower-case letters, numbers and "
            "hyphens. Made from the short name or name if left empty",
            "source": "Where the budget, spend and targets were published",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        error_messages = {
            "name": {"required": "Enter the programme’s name"},
            "slug": {
                "invalid": "Web address must use only lower-case letters, numbers and hyphens"
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None
        if not self.creating:
            del self.fields["slug"]  # changing it would break every link to the programme
            self.initial["lead"] = (
                self.instance.lead_organisation.name if self.instance.lead_organisation else ""
            )
            self.initial["theme"] = self.instance.theme.code if self.instance.theme else ""
        else:
            self.fields["slug"].required = False

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        taken = Programme.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("Another programme already has this name")
        return name

    def clean_short_name(self):
        return " ".join(self.cleaned_data["short_name"].split())

    def clean_lead(self):
        return " ".join(self.cleaned_data["lead"].split())

    def clean_slug(self):
        slug = self.cleaned_data.get("slug", "").strip().lower()
        if slug and slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"Web address cannot be “{slug}”: choose another")
        if slug and Programme.objects.filter(slug=slug).exists():
            raise forms.ValidationError("Another programme already has this web address")
        return slug

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            if end < start:
                self.add_error("end_date", "End date must be the same as or after the start date")
            elif end.year - start.year > LONGEST_PROGRAMME_YEARS:
                self.add_error(
                    "end_date",
                    f"End date must be within {LONGEST_PROGRAMME_YEARS} years of the start date",
                )
        if (
            not self.creating
            and not self.has_error("end_date")
            and not self.has_error("start_date")
        ):
            outside = quarters_outside(self.instance, start, end)
            if outside:
                labels = ", ".join(calc.quarter_label(q) for q in outside[:4])
                more = f" and {len(outside) - 4} more" if len(outside) > 4 else ""
                self.add_error(
                    "start_date" if start and outside[0] < start else "end_date",
                    f"Dates must include every quarter of the targets’ quarterly profile "
                    f"({labels}{more}): change those targets first",
                )
        wants_slug = self.creating and "slug" in self.fields and not self.has_error("slug")
        if wants_slug and not cleaned.get("slug") and cleaned.get("name"):
            cleaned["slug"] = unused_slug(cleaned.get("short_name") or cleaned["name"])
            if not cleaned["slug"]:
                self.add_error("slug", "Enter a web address: the name has no letters to use")
        return cleaned


def quarters_outside(programme: Programme, start: date | None, end: date | None) -> list[date]:
    """The quarters of the programme's quarterly targets that dates start–end would leave out
    (all of them when either date is missing: a profile needs both)."""
    quarters = sorted(
        set(programme.targets.exclude(quarter=None).values_list("quarter", flat=True).distinct())
    )
    if not (start and end):
        return quarters
    allowed = set(calc.quarters_between(start, end))
    return [q for q in quarters if q not in allowed]


def unused_slug(text: str) -> str:
    base = slugify(text)[:72].strip("-")
    if not base:
        return ""
    if base in RESERVED_SLUGS:
        base = f"{base}-programme"
    slug, n = base, 2
    while Programme.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


class FunderForm(forms.ModelForm):
    amount = AmountField(label="Amount in £ (optional)", what="the amount")

    class Meta:
        model = FunderContribution
        fields = ["funder_name", "amount", "is_match_funding", "note"]
        labels = {
            "funder_name": "Funder",
            "is_match_funding": "Match funding",
            "note": "Note (optional)",
        }
        error_messages = {
            "funder_name": {"required": "Enter the funder’s name, or tick Remove to take it off"}
        }

    def clean_funder_name(self):
        name = " ".join(self.cleaned_data["funder_name"].split())
        if len(name) > ORGANISATION_NAME_LENGTH:
            raise forms.ValidationError(
                f"Funder must be {ORGANISATION_NAME_LENGTH} characters or fewer"
            )
        return name

    def clean(self):
        cleaned = super().clean()
        named = cleaned.get("funder_name") or self.has_error("funder_name")
        if not named and (cleaned.get("amount") is not None or cleaned.get("note")):
            self.add_error("funder_name", "Enter the funder’s name")
        return cleaned


class BaseFunderFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            name = (form.cleaned_data.get("funder_name") or "").casefold()
            if name and name in seen:
                form.add_error("funder_name", "This funder is listed twice: list it once")
            seen.add(name)


FunderFormSet = forms.inlineformset_factory(
    Programme,
    FunderContribution,
    form=FunderForm,
    formset=BaseFunderFormSet,
    extra=2,
    can_delete=True,
)


def funder_formset(data=None, *, instance: Programme) -> BaseFunderFormSet:
    return FunderFormSet(data, instance=instance, prefix=FUNDERS_PREFIX)


def funders_in(data) -> bool:
    """Whether submitted data includes the funders table (a caller may change only details)."""
    return data is not None and f"{FUNDERS_PREFIX}-TOTAL_FORMS" in data


# --- Strands ---


class StrandForm(forms.ModelForm):
    budget = AmountField(label="Budget in £ (optional)", what="the budget")

    class Meta:
        model = Strand
        fields = ["name", "description", "budget"]
        labels = {"name": "Name", "description": "Description (optional)"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"name": {"required": "Enter the strand’s name"}}

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        others = self.programme.strands.exclude(pk=self.instance.pk)
        if others.filter(name__iexact=name).exists():
            raise forms.ValidationError(f"{self.programme.name} already has a strand of this name")
        if not slugify(name):
            raise forms.ValidationError("Name must include a letter or number")
        return name

    def save(self, commit=True):
        strand = super().save(commit=False)
        strand.programme = self.programme
        if not strand.slug:
            base = slugify(strand.name)[:72].strip("-")
            slug, n = base, 2
            while self.programme.strands.filter(slug=slug).exists():
                slug, n = f"{base}-{n}", n + 1
            strand.slug = slug
        if commit:
            strand.save()
        return strand


# --- Programme managers ---


class ManagerForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        label="Programme manager",
        help_text="Accounts with the programme manager role",
        empty_label="Choose an account",
        error_messages={"required": "Choose an account", "invalid_choice": "Choose an account"},
    )

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(groups__name="programme_manager", is_active=True)
            .exclude(managed_programmes__programme=programme)
            .order_by("username")
            .distinct()
        )
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.get_username()})" if u.get_full_name() else u.get_username()
        )

    def clean_user(self):
        user = self.cleaned_data["user"]
        if ProgrammeManager.objects.filter(user=user, programme=self.programme).exists():
            raise forms.ValidationError(f"{user} already manages {self.programme.name}")
        return user


# --- Output targets: the whole-life target and quarterly profile of each output ---


def total_name(output: OutputDefinition) -> str:
    return f"total-{output.code}"


def note_name(output: OutputDefinition) -> str:
    return f"note-{output.code}"


def cell_name(output: OutputDefinition, quarter: date) -> str:
    return f"q-{output.code}-{quarter.isoformat()}"


class TargetsForm(forms.Form):
    """One form for the targets of a programme (or one strand of it): for each output shown, the
    whole-life target and the quarter-by-quarter profile. An empty box is no target; 0 is a target
    of zero. The quarters are those of the programme's dates, plus any quarter that already has a
    target outside them (shown so it can be cleared: a target there is refused)."""

    output = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(
        self,
        data=None,
        *,
        programme: Programme,
        strand: Strand | None = None,
        outputs: list[OutputDefinition] | None = None,
    ):
        self.programme, self.strand = programme, strand
        by_code = {o.code: o for o in OutputDefinition.objects.all()}
        self.existing = list(
            OutputTarget.objects.filter(programme=programme, strand=strand).select_related("output")
        )
        if outputs is None:
            codes = _codes_in(data) if data is not None else []
            outputs = [by_code[c] for c in codes if c in by_code]
            if data is None or not codes:
                with_targets = {t.output_id for t in self.existing}
                outputs = [o for o in by_code.values() if o.pk in with_targets]
        self.outputs = sorted(set(outputs), key=lambda o: (o.order, o.code))
        self.allowed_quarters = (
            calc.quarters_between(programme.start_date, programme.end_date)
            if programme.start_date
            and programme.end_date
            and programme.start_date <= programme.end_date
            else []
        )
        shown = {o.pk for o in self.outputs}
        stray = {t.quarter for t in self.existing if t.quarter and t.output_id in shown}
        self.quarters = sorted(set(self.allowed_quarters) | stray)
        initial = self._initial()
        super().__init__(data, initial=initial)
        self.fields["output"].choices = [(o.code, o.name) for o in by_code.values()]
        self.initial["output"] = [o.code for o in self.outputs]
        for o in self.outputs:
            self.fields[total_name(o)] = AmountField(
                label=f"{o.name}: whole-life target", what=f"the {o.name.lower()} target"
            )
            self.fields[note_name(o)] = forms.CharField(
                label=f"{o.name}: note", required=False, max_length=300
            )
            for q in self.quarters:
                self.fields[cell_name(o, q)] = AmountField(
                    label=f"{o.name}, {calc.quarter_label(q)}",
                    what=f"the {o.name.lower()} target for {calc.quarter_label(q)}",
                )

    def _initial(self) -> dict:
        initial: dict = {}
        for t in self.existing:
            if t.quarter is None:
                name = total_name(t.output)
                if t.note and not initial.get(note_name(t.output)):
                    initial[note_name(t.output)] = t.note
            else:
                name = cell_name(t.output, t.quarter)
            initial[name] = initial.get(name, Decimal(0)) + t.quantity
        return {k: (v.normalize() if isinstance(v, Decimal) else v) for k, v in initial.items()}

    def clean(self):
        cleaned = super().clean()
        allowed = set(self.allowed_quarters)
        for o in self.outputs:
            names = [total_name(o)] + [cell_name(o, q) for q in self.quarters]
            for name in names:
                value = cleaned.get(name)
                if value is None or self.has_error(name):
                    continue
                if o.kind == OutputKind.COUNT and value != value.to_integral_value():
                    self.add_error(name, f"Enter {o.name.lower()} as a whole number")
            for q in self.quarters:
                name = cell_name(o, q)
                if q not in allowed and cleaned.get(name) is not None and not self.has_error(name):
                    self.add_error(
                        name,
                        f"{calc.quarter_label(q)} is outside the programme’s dates: "
                        "clear this target, or change the dates",
                    )
        return cleaned

    # What the form holds, once valid, in the terms services.set_targets writes.

    def wanted(self) -> dict[tuple[int, date | None], tuple[Decimal, str]]:
        """(output id, quarter or None for whole-life) → (quantity, note), every box filled in."""
        out = {}
        for o in self.outputs:
            total = self.cleaned_data.get(total_name(o))
            if total is not None:
                out[(o.pk, None)] = (total, self.cleaned_data.get(note_name(o), ""))
            for q in self.quarters:
                value = self.cleaned_data.get(cell_name(o, q))
                if value is not None:
                    out[(o.pk, q)] = (value, "")
        return out

    def grid(self) -> list[dict]:
        """The profile table: a row per quarter, a box per output."""
        allowed = set(self.allowed_quarters)
        return [
            {
                "quarter": q,
                "label": calc.quarter_label(q),
                "months": calc.quarter_months(q),
                "outside": q not in allowed,
                "cells": [self[cell_name(o, q)] for o in self.outputs],
            }
            for q in self.quarters
        ]

    def totals(self) -> list[dict]:
        """The whole-life table: a row per output, with the sum of its saved quarters."""
        sums: dict[int, Decimal] = {}
        for t in self.existing:
            if t.quarter is not None:
                sums[t.output_id] = sums.get(t.output_id, Decimal(0)) + t.quantity
        return [
            {
                "output": o,
                "total": self[total_name(o)],
                "note": self[note_name(o)],
                "profile_sum": sums.get(o.pk),
            }
            for o in self.outputs
        ]


def _codes_in(data) -> list[str]:
    if hasattr(data, "getlist"):
        return data.getlist("output")
    value = data.get("output", [])
    return [value] if isinstance(value, str) else list(value)
