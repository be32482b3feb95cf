"""Partner API credential expiry as a deadline-engine step (probation/deadlines.py): 14 days before a live credential
expires, its holder and the administrators are warned, once per credential. Set when the credential is issued (and
so on rotation, which issues a new one); a revoked or already expired credential is left out when it falls due."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from partners.models import ApiToken
from probation.deadlines import Notice, Outcome, Step, deadlines_run
from probation.models import Role, User

TOKEN_EXPIRY = "partners.token_expiry"
REMINDER_WINDOW = timedelta(days=14)
_PLACEHOLDER = 987654321


def token_expiry_due(token: ApiToken):
    return token.expires_at - REMINDER_WINDOW if token.expires_at is not None else None


class TokenExpiryStep(Step):
    name = TOKEN_EXPIRY

    def owners(self, ids):
        rows = (ApiToken.objects.filter(pk__in=ids, revoked_at__isnull=True, expires_at__gt=timezone.now()).order_by()
                .values("id", "prefix", "expires_at", "user_id", "user__username"))
        return {row["id"]: row for row in rows}

    def context(self, owners, now):
        admins = list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").values_list("pk", flat=True))
        url = reverse("admin:partners_apitoken_change", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")
        return {"admins": admins, "url": url}

    def fire(self, owner, fired, ctx):
        pk, prefix = owner["id"], owner["prefix"]
        expires = f"{timezone.localtime(owner['expires_at']):%d %b %Y %H:%M}"
        notices = [Notice(
            owner["user_id"], f"api-token-expiry:{pk}", f"Your Probation Ops API credential {prefix}… expires on {expires}",
            "Ask your Probation Ops administrator to rotate it before then, or your system's calls will be refused.",
        )]
        notices += [Notice(
            admin, f"api-token-expiry:{pk}:admin:{admin}",
            f"API credential {prefix}… ({owner['user__username']}) expires on {expires}",
            "Rotate it in admin (API tokens → Rotate selected) and pass the new key to the partner.", ctx["url"].format(pk),
        ) for admin in ctx["admins"]]
        return Outcome(notices=notices, tally="reminded")


def token_expiry_reminders(*, now=None) -> dict:
    result = deadlines_run(steps=[TOKEN_EXPIRY], now=now)[TOKEN_EXPIRY]
    return {"reminded": result.get("reminded", 0), "failed": result["failed"]}
