"""Test data of the board report: actions of the plan (the report's exceptions) and issued
reports, each made the way the service makes them."""

from __future__ import annotations

from datetime import date

import factory

from northstar.actions.models import Action, Rag, Status, Workstream
from northstar.organisations.models import Organisation
from northstar.programmes.models import Beneficiary, Claim
from northstar.reports import services
from northstar.reports.models import Report

from .conftest import NOW, Q3


class ActionFactory(factory.django.DjangoModelFactory):
    """An open, green action due at the end of the financial year, in the plan's first
    workstream (the default themes must be loaded)."""

    class Meta:
        model = Action

    workstream = factory.LazyFunction(
        lambda: Workstream.objects.order_by("theme__number", "order").first()
    )
    title = factory.Sequence(lambda n: f"Action {n}")
    status = Status.IN_PROGRESS
    rag = Rag.GREEN
    rag_reason = ""
    start_date = date(2026, 4, 1)
    due_date = date(2027, 3, 31)


class IssuedReportFactory(factory.django.DjangoModelFactory):
    """A report issued through services.issue_report (the only way one is made)."""

    class Meta:
        model = Report

    @classmethod
    def _create(cls, model_class, *, user, quarter=Q3, place=None, reason="", now=NOW, **kwargs):
        return services.issue_report(quarter, user, place=place, reason=reason, now=now)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Business {n} Limited")
    org_id = factory.Sequence(lambda n: f"GB-COH-{n:08d}")
    normalised_name = factory.LazyAttribute(lambda o: o.name.lower())


class VerifiedClaimFactory(factory.django.DjangoModelFactory):
    """A verified claim of one business supported, for a named beneficiary, in Q3 2026-27."""

    class Meta:
        model = Claim

    programme = None
    beneficiary = factory.LazyAttribute(
        lambda c: Beneficiary.objects.get_or_create(
            programme=c.programme, organisation=c.organisation
        )[0]
    )
    output = None
    quarter = Q3.start
    quantity = 1
    evidence_reference = factory.Sequence(lambda n: f"EV-{n}")
    status = "verified"

    class Params:
        organisation = factory.SubFactory(OrganisationFactory)
