"""Periodic jobs for cases (scheduled in probation/celery.py BEAT_SCHEDULE). Thin: each calls a service."""

import logging

from celery import shared_task

from cases.models import Team
from cases.services import cohorts_recompute, overlay_flags_sync, team_auto_allocate

logger = logging.getLogger(__name__)


@shared_task(name="cases.tasks.recompute_cohorts")
def recompute_cohorts() -> dict:
    """Daily: birthdays and changed cases move cohort. Idempotent (a second run the same day changes nothing)."""
    run = cohorts_recompute()
    return {"ran_on": run.ran_on.isoformat(), "full": run.full, "changed": run.changed}


@shared_task(name="cases.tasks.allocate_new_cases")
def allocate_new_cases() -> dict:
    """Allocate unallocated cases in teams that opted in (Team.auto_allocate). One failing team never stops the
    others; each case is allocated under the locks of case_allocate, so overlapping runs never double-allocate."""
    totals = {"allocated": 0, "failed": 0, "no_capacity": 0}
    for team in Team.objects.filter(auto_allocate=True).order_by("id"):
        try:
            result = team_auto_allocate(team=team)
        except Exception:
            logger.exception("Auto-allocation failed for team %s", team.pk)
            totals["failed"] += 1
            continue
        for key, value in result.items():
            totals[key] += value
    return totals


@shared_task(name="cases.tasks.continuity_nightly")
def continuity_nightly() -> dict:
    """Nightly state changes of case continuity: future-dated reallocations whose day has come, and tier overrides
    that expire. Each claims its rows, so the whole is safe to run twice; one part failing never stops the other.
    (The continuity deadlines: unallocated beyond target, long absences, late plans and reviews, are steps of the
    deadline engine, declared in cases/deadlines.py.)"""
    from cases.services import reallocations_apply_due, tier_overrides_expire

    results = {}
    for name, job in [("reallocations", reallocations_apply_due), ("tier_overrides", tier_overrides_expire)]:
        try:
            results[name] = job()
        except Exception:
            logger.exception("continuity job %s failed", name)
            results[name] = {"failed": 1}
    return results


@shared_task(name="cases.tasks.sync_overlay_flags")
def sync_overlay_flags() -> dict:
    """Daily, just after midnight: IOM and GtO flags follow their registers' dates (a register starting today sets
    its flag, one that ended yesterday clears it). Idempotent: a second run changes nothing."""
    return {"changed": overlay_flags_sync()}


@shared_task(name="cases.tasks.refresh_queue_candidates")
def refresh_queue_candidates() -> dict:
    """Every few minutes: the allocation queue's suggested officers for every team with a case waiting, stored ahead
    of their expiry (cases.selectors.queue_candidates_refresh). Reads and overwrites a cache only: safe to run twice
    or from two workers."""
    from cases.selectors import queue_candidates_refresh

    return {"teams": queue_candidates_refresh()}


@shared_task(name="cases.tasks.recount_caseloads")
def recount_caseloads() -> dict:
    """Just after midnight: every officer's stored caseload count (cases.OfficerCaseload) is recounted for the new day
    (custody cases released yesterday count as licence cases from today), so the day's first page views read fresh
    rows instead of recounting; any drift (a write path that did not refresh) is logged and repaired. Locks each
    batch of rows as the services do, so it is safe beside them and to run twice."""
    from cases.services import officer_caseloads_check

    result = officer_caseloads_check(fix=True)
    return {"officers": result["officers"], "drifted": len(result["drifted"]), "stale": result["stale"],
            "missing": result["missing"]}
