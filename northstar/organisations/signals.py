"""Signals other apps listen to when organisations change under them.

`records_moved` is sent (inside the transaction that moved them) whenever source records move from
one organisation to another: a merge (every record of the absorbed organisation), a split (the
records split off) or a review-queue merge. Whatever refers to an organisation through one of
those records (a funding participation, a programme beneficiary) should follow them, e.g.

    @receiver(records_moved)
    def follow(sender, record_ids, from_org, to_org, **kwargs):
        Participation.objects.filter(source_record_id__in=record_ids).update(organisation=to_org)

Arguments: record_ids (list of SourceRecord ids), from_org, to_org (Organisation), user (or
None), reason (text).
"""

from django.dispatch import Signal

records_moved = Signal()
