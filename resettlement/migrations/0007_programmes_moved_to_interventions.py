"""Getting it Right and Healing Trauma move to interventions' programme model (one place for what a programme is):
every enrolment becomes an interventions referral of the same programme (its status history written from the
enrolment's dates) and its module attendance follows it. The old rows stay, marked with the referral they became
(nothing about a person is deleted); nothing writes to them any more. Safe to run again: an enrolment already
moved (marked, or with its referral found) is skipped."""

import datetime
from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.utils import timezone

LONDON = ZoneInfo("Europe/London")
MOVED = "moved from resettlement enrolment"


def _on(day: datetime.date, not_before: datetime.datetime) -> datetime.datetime:
    """When an end recorded only as a date happened: midday London that day, never before the enrolment."""
    return max(not_before, datetime.datetime.combine(day, datetime.time(12), tzinfo=LONDON))


def move_enrolments(apps, schema_editor):
    Enrolment = apps.get_model("resettlement", "ProgrammeEnrolment")
    OldAttendance = apps.get_model("resettlement", "ModuleAttendance")
    Programme = apps.get_model("interventions", "Programme")
    Referral = apps.get_model("interventions", "Referral")
    Change = apps.get_model("interventions", "ReferralStatusChange")
    Attendance = apps.get_model("interventions", "ModuleAttendance")
    now = timezone.now()
    programmes = {}
    for old in (Enrolment.objects.filter(superseded_by_referral_id__isnull=True)
                .select_related("programme", "prison", "person__team").order_by("enrolled_at", "id")):
        code = old.programme.code
        if code not in programmes:  # Getting it Right and Healing Trauma come from interventions 0003; any other
            programmes[code], _ = Programme.objects.get_or_create(code=code, defaults={  # an admin added, here
                "name": old.programme.name, "sessions": old.programme.module_count, "through_the_gate": True,
                "genders": ["female"] if old.programme.women_only else [],
                "requires_change_plan_journal": old.programme.requires_change_plan_journal})
        programme = programmes[code]
        referral = Referral.objects.filter(person_id=old.person_id, programme=programme, starts_on=old.starts_on,
                                           referred_at=old.enrolled_at).first()
        if referral is None:
            referral = _move(old, programme, Referral, Change, Attendance, OldAttendance)
        old.superseded_by_referral_id, old.superseded_at = referral.pk, now
        old.save(update_fields=["superseded_by_referral_id", "superseded_at"])


def _move(old, programme, Referral, Change, Attendance, OldAttendance):
    setting_label = "in prison" if old.setting == "prison" else "in the community"
    history = [("", "referred", old.enrolled_at, old.enrolled_by_id,
                f"Enrolled by Through the Gate ({setting_label}); {MOVED} {old.pk}"),
               ("referred", "on_programme", old.enrolled_at, old.enrolled_by_id,
                f"First module on {old.starts_on:%d %b %Y}")]
    records = list(OldAttendance.objects.filter(enrolment=old).order_by("module_number"))
    ended_on = None
    duplicate = Referral.objects.filter(person_id=old.person_id, programme=programme).exclude(
        status__in=["completed", "terminated", "withdrawn"]).exists()
    if old.completed_on:
        status, ended_on = "completed", old.completed_on
        last = max(records, key=lambda r: r.recorded_at, default=None)
        history.append(("on_programme", "completed", _on(ended_on, old.enrolled_at),
                        last.recorded_by_id if last else old.enrolled_by_id, "Every module attended"
                        + (" and the Change Plan Journal completed" if old.change_plan_journal_completed_on else "")))
    elif old.withdrawn_on:
        status, ended_on = "terminated", old.withdrawn_on
        history.append(("on_programme", "terminated", _on(ended_on, old.enrolled_at), old.enrolled_by_id,
                        f"Withdrawn: {old.withdrawn_reason or 'no reason given'} (who withdrew them was not "
                        f"recorded before the move)"))
    elif duplicate:  # a second open enrolment on the same programme (the old service refused these; admin did not)
        status = "withdrawn"
        history[-1] = ("referred", "withdrawn", old.enrolled_at, old.enrolled_by_id,
                       "A second open enrolment on this programme found when programmes moved to interventions; "
                       "withdrawn so one stays open: check and re-enrol if it was the right one")
    else:
        status = "on_programme"
    borough_id = old.person.home_borough_id or (old.person.team.borough_id if old.person.team_id else None)
    referral = Referral.objects.create(
        person_id=old.person_id, programme=programme, borough_id=borough_id, status=status,
        status_changed_at=history[-1][2], eligible=True, ended_on=ended_on, referred_at=old.enrolled_at,
        referred_by_id=old.enrolled_by_id, setting=old.setting, prison_code=old.prison.code if old.prison_id else "",
        starts_on=old.starts_on, change_plan_journal_completed_on=old.change_plan_journal_completed_on)
    Change.objects.bulk_create(Change(referral=referral, from_status=from_status, to_status=to_status, at=at,
                                      by_id=by_id, reason=reason[:500])
                               for from_status, to_status, at, by_id, reason in history)
    Attendance.objects.bulk_create(Attendance(referral=referral, number=r.module_number, attended=r.attended,
                                              recorded_by_id=r.recorded_by_id, recorded_at=r.recorded_at)
                                   for r in records)
    return referral


class Migration(migrations.Migration):

    dependencies = [
        ('resettlement', '0006_prison_codes_and_release_dates'),
        ('interventions', '0003_through_the_gate_programmes'),
    ]

    operations = [
        migrations.AddField(
            model_name='programmeenrolment',
            name='superseded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='programmeenrolment',
            name='superseded_by_referral_id',
            field=models.PositiveBigIntegerField(blank=True, help_text='The interventions programme referral this enrolment became (migration 0007).', null=True),
        ),
        # Reversing keeps the referrals (history about people); moving forward again finds them and does not copy.
        migrations.RunPython(move_enrolments, migrations.RunPython.noop),
    ]
