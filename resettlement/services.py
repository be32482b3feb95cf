"""Writes for Through the Gate. Each service is atomic, takes keyword-only arguments, validates its input with a
ValidationError naming the field, and leaves nothing half-saved."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.models import Sentence
from cases.programmes import programmes
from cases.services import case_allocate
from cases.sentence_dates import months_rounded_up
from partners.models import Organisation
from probation.audit import Action, audit_record
from probation.calendar import due_at, get_calendar
from probation.deadlines import deadline_set, deadlines_set
from probation.models import STAFF_ROLES
from resettlement.models import (
    ACTION_TRANSITIONS,
    CLOSED_ACTION_STATUSES,
    STAFF_ONLY_STATUSES,
    ActionStatus,
    Consent,
    CustodyEpisode,
    NeedStatus,
    Pathway,
    PathwayNeed,
    PlanAction,
    PlanReview,
    PrisonTransfer,
    ResettlementPlan,
    Screening,
    ScreeningPart,
    ScreeningRule,
    london_today,
)
from resettlement import sweeps
from resettlement.deadlines import UNACTIONED_NEED, unactioned_needs
from resettlement.selectors import organisation_id_for


def _screening_deadlines(reception_at, part, calendar):
    rule = ScreeningRule.objects.filter(part=part).first()
    hours, clock = (rule.hours, rule.clock) if rule else ScreeningRule.DEFAULTS[part]
    percent = rule.reminder_percent if rule else 75
    return (
        due_at(reception_at, hours, clock, calendar),
        due_at(reception_at, hours * Decimal(percent) / Decimal(100), clock, calendar),
    )


def _validate_release_date(expected_release_date, reception_at, field="expected_release_date"):
    if expected_release_date is not None and expected_release_date < timezone.localtime(reception_at).date():
        raise ValidationError({field: "The release date cannot be before the reception date."})


@transaction.atomic
def episode_record(
    *,
    person,
    prison,
    custody_type: str,
    reception_at: datetime.datetime,
    sentence_length_months: int | None = None,
    expected_release_date: datetime.date | None = None,
    ttg_worker=None,
    sentence: Sentence | None = None,
    by,
    request=None,
) -> CustodyEpisode:
    """Record a reception into prison: the episode, its two BCST deadlines and its Resettlement Plan.

    The plan is created here rather than on BCST2 completion so that every incoming prisoner has a plan from
    reception, whatever the sentence length, and a late BCST2 still shows up against an existing plan; the BCST2
    then sets each pathway's need."""
    if reception_at > timezone.now():
        raise ValidationError({"reception_at": "The reception cannot be in the future."})
    if custody_type == CustodyEpisode.CustodyType.SENTENCED:
        sentence = _custodial_sentence(person, sentence, timezone.localtime(reception_at).date())
        if sentence is not None:
            sentence_length_months = sentence_length_months or months_rounded_up(sentence.sentence_date, sentence.term)
            if expected_release_date is None:
                expected_release_date = _release_date_of(sentence)
    else:
        sentence = None
    if custody_type == CustodyEpisode.CustodyType.SENTENCED and not sentence_length_months:
        raise ValidationError({"sentence_length_months": "Enter the sentence length in months for a sentenced prisoner."})
    if custody_type == CustodyEpisode.CustodyType.REMAND:
        sentence_length_months = None
    _validate_release_date(expected_release_date, reception_at)
    if CustodyEpisode.objects.in_custody().filter(person=person).exists():
        raise ValidationError({"person": "This person is already in custody: record a transfer or a release instead."})
    episode = CustodyEpisode(
        person=person,
        sentence=sentence,
        custody_type=custody_type,
        reception_at=reception_at,
        reception_prison=prison,
        current_prison=prison,
        sentence_length_months=sentence_length_months,
        expected_release_date=expected_release_date,
        ttg_worker=ttg_worker,
        recorded_by=by,
    )
    episode.full_clean(exclude=["person", "recorded_by", "sentence"])
    try:
        with transaction.atomic():
            episode.save()
    except IntegrityError:
        # Race: two people recorded the same reception at once; the partial unique index keeps one.
        raise ValidationError({"person": "This person is already in custody."}) from None
    calendar = get_calendar()
    screenings = []
    for part in ScreeningPart.values:
        due, remind = _screening_deadlines(reception_at, part, calendar)
        screenings.append(Screening.objects.create(episode=episode, part=part, due_at=due, remind_at=remind))
    sweeps.screening_deadlines_set(screenings)
    sweeps.pre_release_deadlines_set(episode)
    plan_create(episode=episode, by=by)
    audit_record(action=Action.CREATE, request=request, user=by, obj=episode)
    return episode


def _custodial_sentence(person, sentence, reception_date):
    """The custodial sentence an episode serves: the one given, or the person's latest custodial sentence passed on
    or before the reception whose term has not ended. Licence and PSS dates then come from the cases rules (cases.sentence_dates)."""
    if sentence is not None:
        if sentence.person_id != person.pk or not sentence.is_custodial:
            raise ValidationError({"sentence": "Choose one of this person's custodial sentences."})
        return sentence
    return (
        # A sentence whose custodial term ended before this reception is an earlier spell, not this one.
        person.sentences.filter(kind=Sentence.Kind.CUSTODY, sentence_date__lte=reception_date, end_date__gte=reception_date)
        .order_by("-sentence_date", "-pk")
        .first()
    )


def _release_date_of(sentence: Sentence) -> datetime.date:
    """The sentence's release date: the actual one if known, else its automatic release date as stored by the cases
    rules (cases.sentence_dates: CRD at ceil(days / 2), extended sentences at the end of the custodial term)."""
    return sentence.expected_release_date


def plan_create(*, episode: CustodyEpisode, by) -> ResettlementPlan:
    plan, created = ResettlementPlan.objects.get_or_create(episode=episode, defaults={"created_by": by})
    if created:
        PathwayNeed.objects.bulk_create(PathwayNeed(plan=plan, pathway=p) for p in Pathway.values)
    return plan


@transaction.atomic
def plan_for_person(*, person, by) -> ResettlementPlan:
    """The plan of the person's current (or latest) custody episode, created if missing. A person who has never
    been in custody has no plan: record the reception first."""
    episode = person.custody_episodes.order_by(F("released_on").desc(nulls_first=True), "-reception_at").first()
    if episode is None:
        raise ValidationError({"person": f"{person.crn} has no custody episode: record the reception into prison first."})
    return plan_create(episode=episode, by=by)


@transaction.atomic
def screening_complete(
    *, screening: Screening, completed_at: datetime.datetime | None = None, by, request=None
) -> Screening:
    """Record a BCST part as done (part 1 is done by the prison; the TtG worker records when)."""
    screening = Screening.objects.select_for_update().select_related("episode").get(pk=screening.pk)
    if screening.completed_at is not None:
        raise ValidationError({"completed_at": "This screening is already recorded as complete."})
    completed_at = completed_at or timezone.now()
    if completed_at > timezone.now():
        raise ValidationError({"completed_at": "The completion cannot be in the future."})
    if completed_at < screening.episode.reception_at:
        raise ValidationError({"completed_at": "The screening cannot be completed before the reception."})
    screening.completed_at = completed_at
    screening.completed_by = by
    screening.save(update_fields=["completed_at", "completed_by"])
    sweeps.screening_deadlines_cancel(screening)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=screening, detail={"completed": screening.part})
    return screening


@transaction.atomic
def bcst2_complete(*, episode: CustodyEpisode, needs: dict[str, str], by, request=None) -> ResettlementPlan:
    """Complete the CRC's BCST2 for an episode and set each pathway's need on its plan."""
    unknown = set(needs) - set(Pathway.values)
    if unknown:
        raise ValidationError({"needs": f"Unknown pathways: {', '.join(sorted(unknown))}."})
    bad = {p: s for p, s in needs.items() if s not in NeedStatus.values}
    if bad:
        raise ValidationError({p: "Choose a valid need status." for p in bad})
    screening = episode.screenings.get(part=ScreeningPart.BCST2)
    screening_complete(screening=screening, by=by, request=request)
    plan = plan_create(episode=episode, by=by)
    now = timezone.now()
    for need in plan.needs.select_for_update():
        if need.pathway in needs and needs[need.pathway] != need.status:
            need.status = needs[need.pathway]
            need.updated_at, need.updated_by = now, by
            need.save(update_fields=["status", "updated_at", "updated_by"])
    return plan


@transaction.atomic
def need_update(*, need: PathwayNeed, status: str, notes: str = "", by, request=None) -> PathwayNeed:
    if status not in NeedStatus.values:
        raise ValidationError({"status": "Choose a valid need status."})
    old = need.status
    need.status, need.notes, need.updated_at, need.updated_by = status, notes, timezone.now(), by
    need.save(update_fields=["status", "notes", "updated_at", "updated_by"])
    if status == NeedStatus.SUPPORT_REQUIRED and old != status and unactioned_needs().filter(pk=need.pk).exists():
        deadline_set(step=UNACTIONED_NEED, owner_id=need.pk, due_at=timezone.now())  # released: chase the COM
    audit_record(action=Action.UPDATE, request=request, user=by, obj=need.plan,
                 detail={"pathway": need.pathway, "status": [old, status]})
    return need


@transaction.atomic
def plan_review(*, plan: ResettlementPlan, notes: str = "", by, request=None) -> PlanReview:
    now = timezone.now()
    opens = plan.episode.pre_release_window_opens
    review = PlanReview.objects.create(
        plan=plan, reviewed_at=now, reviewed_by=by, notes=notes,
        is_pre_release=bool(plan.episode.in_custody and opens and timezone.localdate(now) >= opens),
    )
    ResettlementPlan.objects.filter(pk=plan.pk).update(last_reviewed_at=now, last_reviewed_by=by)
    plan.last_reviewed_at, plan.last_reviewed_by = now, by
    audit_record(action=Action.UPDATE, request=request, user=by, obj=plan, detail={"reviewed": True})
    return review


def _validate_owner(owner_user, owner_organisation):
    if (owner_user is None) == (owner_organisation is None):
        raise ValidationError({"owner": "Choose one owner: a CRC staff member or a supply-chain partner."})
    if owner_organisation is not None and (
        owner_organisation.kind != Organisation.Kind.SUPPLY_CHAIN or not owner_organisation.is_active
    ):
        raise ValidationError({"owner_organisation": f"{owner_organisation} is not an active supply-chain partner."})
    if owner_user is not None and (owner_user.role not in STAFF_ROLES or not owner_user.is_active):
        raise ValidationError({"owner_user": "An action's staff owner must be active CRC staff."})


@transaction.atomic
def action_create(
    *,
    plan: ResettlementPlan,
    pathway: str,
    description: str,
    due_on: datetime.date,
    owner_user=None,
    owner_organisation=None,
    consent: str = "",
    consent_override_reason: str = "",
    by,
    request=None,
) -> PlanAction:
    """Add an action to a plan. An action for a supply-chain partner is a referral: it needs the person's consent,
    or an override with its reason (who and when are recorded)."""
    errors = {}
    if pathway not in Pathway.values:
        errors["pathway"] = "Choose a pathway."
    if not (description or "").strip():
        errors["description"] = "Describe the action."
    if due_on is None:
        errors["due_on"] = "Enter a due date."
    elif due_on < plan.episode.reception_date:
        errors["due_on"] = "The due date cannot be before the reception into prison."
    try:
        _validate_owner(owner_user, owner_organisation)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if owner_organisation is not None:
        consent_override_reason = (consent_override_reason or "").strip()
        if consent not in Consent.values:
            errors["consent"] = "Record the person's consent to the referral, or override it with a reason."
        elif consent == Consent.OVERRIDDEN and not consent_override_reason:
            errors["consent_override_reason"] = "Say why the referral is made without consent."
    else:
        consent, consent_override_reason = "", ""
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    action = PlanAction.objects.create(
        plan=plan,
        pathway=pathway,
        description=description.strip(),
        owner_user=owner_user,
        owner_organisation=owner_organisation,
        due_on=due_on,
        consent=consent,
        consent_override_reason=consent_override_reason if consent == Consent.OVERRIDDEN else "",
        consent_recorded_by=by if consent else None,
        consent_recorded_at=now if consent else None,
        created_by=by,
        created_at=now,
        updated_at=now,
        updated_by=by,
    )
    audit_record(action=Action.CREATE, request=request, user=by, obj=action,
                 detail={"plan": plan.pk, "consent": consent or None})
    if plan.episode.released_on is not None:
        sweeps.action_chase_set([action], released=True)
    return action


def action_status_choices_for(user, action: PlanAction) -> list[str]:
    """The statuses `user` may move `action` to from where it is."""
    allowed = set(ACTION_TRANSITIONS[ActionStatus(action.status)])
    if user.role not in STAFF_ROLES:
        allowed -= STAFF_ONLY_STATUSES
        # Reopening a closed action is for CRC staff.
        if action.status in CLOSED_ACTION_STATUSES:
            allowed = set()
    return [s for s in ActionStatus.values if s in allowed]


@transaction.atomic
def action_update(*, action: PlanAction, status: str, outcome: str = "", by, request=None) -> PlanAction:
    """Move an action on. Partners may update only their own organisation's actions and may not cancel or reopen;
    the outcome is required when an action is done or could not be achieved."""
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    if by.role not in STAFF_ROLES:
        if action.owner_organisation_id is None or action.owner_organisation_id != organisation_id_for(by):
            raise PermissionDenied("This action is not assigned to your organisation.")
    outcome = (outcome or "").strip()
    if status not in ActionStatus.values:
        raise ValidationError({"status": "Choose a valid status."})
    if status != action.status:
        if status not in ACTION_TRANSITIONS[ActionStatus(action.status)]:
            raise ValidationError({"status": f"An action that is {action.get_status_display().lower()} cannot become "
                                             f"{ActionStatus(status).label.lower()}."})
        if status not in action_status_choices_for(by, action):
            raise ValidationError({"status": "Only CRC staff can cancel or reopen an action."})
    if status in (ActionStatus.DONE, ActionStatus.NOT_ACHIEVED) and not (outcome or action.outcome):
        raise ValidationError({"outcome": "Record the outcome."})
    old = action.status
    now = timezone.now()
    action.status = status
    if outcome:
        action.outcome = outcome
    if status in CLOSED_ACTION_STATUSES and old not in CLOSED_ACTION_STATUSES:
        action.closed_at = now
    elif status not in CLOSED_ACTION_STATUSES:
        action.closed_at = None
    action.updated_at, action.updated_by = now, by
    action.save(update_fields=["status", "outcome", "closed_at", "updated_at", "updated_by"])
    if (status in CLOSED_ACTION_STATUSES) != (old in CLOSED_ACTION_STATUSES):  # closed, or reopened
        sweeps.action_chase_set([action], released=action.plan.episode.released_on is not None)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=action,
                 detail={"status": [old, status], "outcome_changed": bool(outcome)})
    return action


@transaction.atomic
def transfer_record(
    *, episode: CustodyEpisode, to_prison, transferred_on: datetime.date, reason: str = "", by, request=None
) -> PrisonTransfer:
    # Race: two transfers recorded at once would both read the same current prison.
    episode = CustodyEpisode.objects.select_for_update().get(pk=episode.pk)
    if not episode.in_custody:
        raise ValidationError({"to_prison": "This person has been released: the episode is closed."})
    if to_prison.pk == episode.current_prison_id:
        raise ValidationError({"to_prison": f"The person is already in {to_prison}."})
    if transferred_on < episode.reception_date:
        raise ValidationError({"transferred_on": "The transfer cannot be before the reception."})
    if transferred_on > london_today():
        raise ValidationError({"transferred_on": "The transfer cannot be in the future."})
    last = episode.transfers.order_by("-transferred_on").first()
    if last and transferred_on < last.transferred_on:
        raise ValidationError({"transferred_on": "The transfer cannot be before the last recorded transfer."})
    transfer = PrisonTransfer.objects.create(
        episode=episode, from_prison=episode.current_prison, to_prison=to_prison, transferred_on=transferred_on,
        reason=reason, recorded_by=by,
    )
    CustodyEpisode.objects.filter(pk=episode.pk).update(current_prison=to_prison)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=episode, detail={"transfer": transfer.pk})
    return transfer


@transaction.atomic
def episode_update_release_date(*, episode: CustodyEpisode, expected_release_date, by, request=None) -> CustodyEpisode:
    episode = CustodyEpisode.objects.select_for_update().get(pk=episode.pk)
    if not episode.in_custody:
        raise ValidationError({"expected_release_date": "This person has been released: the episode is closed."})
    _validate_release_date(expected_release_date, episode.reception_at)
    episode.expected_release_date = expected_release_date
    episode.save(update_fields=["expected_release_date"])
    # A new release date is a new 12-week window: its pre-release steps are due (and notified) afresh.
    sweeps.pre_release_deadlines_set(episode)
    audit_record(action=Action.UPDATE, request=request, user=by, obj=episode, detail={"expected_release_date": True})
    return episode


@transaction.atomic
def episode_release(
    *, episode: CustodyEpisode, released_on: datetime.date, community_offender_manager=None, by, request=None
) -> CustodyEpisode:
    """Release: the case passes to its community offender manager, with the plan's outstanding actions still open
    (they are shown on the manager's pages and chased by `chase_overdue_actions`).

    The community offender manager is the case's allocated offender manager. A case not yet allocated is allocated
    here to the manager chosen, through the cases allocation rules (team, availability, workload). The release date
    is written to the custodial sentence as its actual release; the PSS end stays 12 months after the unadjusted
    conditional release date (cases.sentence_dates), however early (HDC) or late the release."""
    episode = CustodyEpisode.objects.select_for_update(of=("self",)).select_related("person", "sentence").get(pk=episode.pk)
    if not episode.in_custody:
        raise ValidationError({"released_on": "This person has already been released."})
    _validate_release_date(released_on, episode.reception_at, field="released_on")
    if released_on > london_today():
        raise ValidationError({"released_on": "The release cannot be in the future."})
    person = episode.person
    if person.offender_manager_id is None:
        if community_offender_manager is None:
            raise ValidationError({"community_offender_manager": "This case has no offender manager: choose the "
                                                                 "community offender manager who takes it on release."})
        try:
            case_allocate(person=person, officer=community_offender_manager, by=by,
                          reason="Released from custody: Through the Gate hand-over")
        except ValidationError as exc:
            messages = [m for ms in exc.message_dict.values() for m in ms] if hasattr(exc, "error_dict") else exc.messages
            raise ValidationError({"community_offender_manager": messages}) from None
    elif community_offender_manager is not None and community_offender_manager.pk != person.offender_manager_id:
        raise ValidationError({"community_offender_manager": f"This case is allocated to {person.offender_manager}, who "
                                                             "takes it on release. Reallocate the case first to change that."})
    com = community_offender_manager or person.offender_manager
    if episode.sentence is not None:
        sentence = episode.sentence
        sentence.release_date = released_on
        try:
            sentence.clean()
        except ValidationError as exc:
            messages = [m for ms in exc.message_dict.values() for m in ms]
            raise ValidationError({"released_on": messages}) from None
        sentence.save()
    episode.released_on, episode.released_by, episode.community_offender_manager = released_on, by, com
    episode.save(update_fields=["released_on", "released_by", "community_offender_manager"])
    sweeps.pre_release_deadlines_set(episode)  # released: none due any more
    sweeps.action_chase_set(PlanAction.objects.open().filter(plan__episode=episode), released=True)
    # Needs marked "support required" with no action: the community offender manager is chased from now on.
    needs = unactioned_needs().filter(plan__episode=episode).values_list("pk", flat=True)
    deadlines_set(step=UNACTIONED_NEED, due={pk: timezone.now() for pk in needs})
    audit_record(action=Action.UPDATE, request=request, user=by, obj=episode,
                 detail={"released": True, "community_offender_manager": com.pk})
    return episode


# --- Programmes ------------------------------------------------------------------------------------------------
# Getting it Right and Healing Trauma live in interventions' programme model; these are resettlement's names for its
# writes, through the port in cases.programmes (resettlement does not import interventions). Resettlement adds only
# what it owns: the prison, turned into its code.


def enrolment_create(*, programme, person, setting: str, starts_on: datetime.date, prison=None, by, request=None):
    if setting == "prison" and prison is None:
        raise ValidationError({"prison": "Choose the prison running the programme."})
    return programmes().enrol(programme=programme, person=person, setting=setting, starts_on=starts_on,
                              prison_code=prison.code if prison is not None and setting == "prison" else "", by=by,
                              request=request)


def attendance_record(*, enrolment, module_number: int, attended: bool, by, request=None):
    return programmes().attendance_record(enrolment=enrolment, module_number=module_number, attended=attended, by=by,
                                          request=request)


def journal_complete(*, enrolment, completed_on: datetime.date, by, request=None):
    return programmes().journal_complete(enrolment=enrolment, completed_on=completed_on, by=by, request=request)


def enrolment_withdraw(*, enrolment, withdrawn_on: datetime.date, reason: str, by, request=None):
    return programmes().withdraw(enrolment=enrolment, withdrawn_on=withdrawn_on, reason=reason, by=by,
                                 request=request)
