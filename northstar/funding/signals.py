"""Participations follow their source records when organisations are merged or split."""

from django.dispatch import receiver

from northstar.organisations.signals import records_moved

from .models import Participation


@receiver(records_moved, dispatch_uid="funding-participations-follow-records")
def follow_records(sender, record_ids, from_org, to_org, **kwargs):
    Participation.objects.filter(source_record_id__in=list(record_ids)).update(organisation=to_org)
