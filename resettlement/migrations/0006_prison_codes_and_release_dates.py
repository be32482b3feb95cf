"""Correct four prison codes to the MoJ's prison register (Belmarsh BAI, not BMI = Birmingham; High Down HOI, not HDI =
Hatfield; Swaleside SLI, not SWI = Swansea; Send SDI, not SFI = Stafford), and move the expected release date of
people still in custody from the old halfway arithmetic to the corrected conditional release date (cases migration
0007), recording each change as a case event."""

import datetime

from django.db import migrations
from django.utils import timezone

from cases.sentence_dates import add_months

CORRECTIONS = [("BMI", "BAI", "HMP Belmarsh"), ("HDI", "HOI", "HMP High Down"), ("SWI", "SLI", "HMP Swaleside"),
               ("SFI", "SDI", "HMP Send")]


def fix_prison_codes(apps, schema_editor):
    Prison = apps.get_model("resettlement", "Prison")
    for wrong, right, name in CORRECTIONS:
        if not Prison.objects.filter(code=right).exists():
            Prison.objects.filter(code=wrong, name=name).update(code=right)


def _old_halfway(sentence) -> datetime.date:
    """What the old code stored: expiry = same day N months on, minus a day; release = start + (days + 1) // 2."""
    expiry = add_months(sentence.sentence_date, sentence.length_months) - datetime.timedelta(days=1)
    days = (expiry - sentence.sentence_date).days + 1
    return sentence.sentence_date + datetime.timedelta(days=(days + 1) // 2)


def correct_expected_release_dates(apps, schema_editor):
    """Episodes in custody whose expected release date is the old automatic one (not a date staff typed) take the
    sentence's corrected conditional release date."""
    CustodyEpisode = apps.get_model("resettlement", "CustodyEpisode")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    now = timezone.now()
    episodes = CustodyEpisode.objects.filter(
        released_on__isnull=True, sentence__isnull=False, sentence__release_date__isnull=True,
        sentence__is_extended=False, sentence__length_weeks=0, sentence__length_days=0,
        sentence__conditional_release_date__isnull=False,
    ).select_related("sentence")
    for episode in episodes.iterator(chunk_size=1000):
        sentence = episode.sentence
        new = sentence.conditional_release_date
        if episode.expected_release_date != _old_halfway(sentence) or episode.expected_release_date == new:
            continue
        old = episode.expected_release_date
        CustodyEpisode.objects.filter(pk=episode.pk).update(expected_release_date=new)
        CaseEvent.objects.create(
            person_id=episode.person_id, sentence_id=sentence.pk, kind="expected_release_corrected", at=now,
            summary=f"Expected release date {old.isoformat()} to {new.isoformat()} (conditional release date "
                    "recomputed with the corrected sentence rules)",
            changes={"expected_release_date": [old.isoformat(), new.isoformat()], "custody_episode": episode.pk},
        )


def reset_pre_release_deadlines(apps, schema_editor):
    """Pre-release deadlines of everyone in custody on the current rules (resettlement.sweeps): for a corrected
    expected release date, and the move to a resettlement prison now due 8 weeks before the 12-week window opens and
    late when it opens. Notices already sent are never sent again (their keys name the release date)."""
    from resettlement.sweeps import pre_release_deadlines_set

    CustodyEpisode = apps.get_model("resettlement", "CustodyEpisode")
    for episode in CustodyEpisode.objects.filter(released_on__isnull=True, expected_release_date__isnull=False).iterator():
        pre_release_deadlines_set(episode)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0007_sentence_terms_release_dates_case_events"),
        ("resettlement", "0005_deadlines_in_deadline_engine"),
    ]

    operations = [
        migrations.RunPython(fix_prison_codes, migrations.RunPython.noop),
        migrations.RunPython(correct_expected_release_dates, migrations.RunPython.noop),
        migrations.RunPython(reset_pre_release_deadlines, migrations.RunPython.noop),
    ]
