"""Partner organisations, their contacts and services, London's boroughs, and the HOSP areas that group them."""

import hashlib
import re
import hmac
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")
UK_PHONE = RegexValidator(
    r"^(\+44\s?|0)[0-9\s]{9,13}$", "Enter a UK phone number, like 020 7946 0000 or +44 20 7946 0000."
)


class HospArea(models.Model):
    """A group of boroughs covered by one Head of Stakeholders and Partnerships (default: NW, NE, SW, SE London)."""

    name = models.CharField(max_length=80, unique=True)
    hosp = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosp_areas",
        limit_choices_to={"role": "hosp"},
    )
    is_mash_lead = models.BooleanField(
        default=False, help_text="The HOSP of this area is the MASH lead (one area at most)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_mash_lead"],
                condition=models.Q(is_mash_lead=True),
                name="one_mash_lead",
                violation_error_message="Another HOSP area is already the MASH lead. Untick it there first.",
            )
        ]

    def __str__(self):
        return self.name


class Borough(models.Model):
    """One of London's 33 local authority areas (32 boroughs and the City of London)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)
    gss_code = models.CharField("ONS GSS code", max_length=9, unique=True)
    hosp_area = models.ForeignKey(HospArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="boroughs")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Service(models.Model):
    """Something a partner provides, e.g. accommodation, employment, substance misuse treatment."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        CHILDRENS_SERVICES = "childrens_services", "Children's services"
        HEALTH = "health", "Health"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        CSP = "csp", "Community Safety Partnership"
        RRB = "rrb", "Reducing Reoffending Board"
        MASH = "mash", "Multi-Agency Safeguarding Hub"
        SUPPLY_CHAIN = "supply_chain", "Supply-chain partner"
        VOLUNTARY = "voluntary", "Voluntary organisation"
        WOMENS_HUB = "womens_hub", "Women's hub"

    STATUTORY_KINDS = frozenset({Kind.POLICE, Kind.CHILDRENS_SERVICES, Kind.HEALTH, Kind.LOCAL_AUTHORITY, Kind.MASH})

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    boroughs = models.ManyToManyField(Borough, blank=True, related_name="organisations")
    services = models.ManyToManyField(Service, blank=True, related_name="organisations")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[UK_PHONE])
    website = models.URLField(blank=True)
    address = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    response_email_domains = models.TextField(
        "email domains for MASH responses", blank=True,
        help_text="One domain per line, e.g. camden.gov.uk. MASH responses are emailed only to addresses on these "
        "domains; a request naming another address is refused at intake. Empty: every address is refused.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_name_unique_ci",
                violation_error_message="An organisation with this name already exists.",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def response_domains(self) -> list[str]:
        return [d.strip().lstrip("@").lower() for d in self.response_email_domains.replace(",", " ").split() if d.strip()]

    def allows_response_email(self, address: str) -> bool:
        """May a MASH response to this organisation be emailed to `address`? Only on one of its own domains."""
        domain = (address or "").rpartition("@")[2].strip().lower()
        return bool(domain) and domain in self.response_domains

    def response_email_refusal(self) -> str:
        if not self.response_domains:
            return ("Your organisation has no email domains for responses yet: ask the probation service's "
                    "administrator to add them.")
        return ("Responses are emailed only to your organisation's own addresses "
                f"({', '.join(self.response_domains)}). Give an address on one of those domains.")

    def clean(self):
        super().clean()
        for domain in self.response_domains:
            if not DOMAIN.fullmatch(domain):
                raise ValidationError({"response_email_domains": f"{domain} is not a domain name (e.g. camden.gov.uk)."})

    @property
    def is_statutory(self) -> bool:
        return self.kind in self.STATUTORY_KINDS

    @property
    def is_supply_chain(self) -> bool:
        return self.kind == self.Kind.SUPPLY_CHAIN


class Contact(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    job_title = models.CharField(max_length=120, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, validators=[UK_PHONE])
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["organisation", "-is_primary", "name"]

    def __str__(self):
        return f"{self.name} ({self.organisation})"


class PartnerMembership(models.Model):
    """A partner agency user's organisation: their API access and pages are scoped to it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    can_track_iom = models.BooleanField(
        default=False, help_text="May list IOM and Gripping the Offender nominals in the organisation's boroughs."
    )

    def __str__(self):
        return f"{self.user} – {self.organisation}"

    def clean(self):
        super().clean()
        # Imported here to keep the model module free of a role import cycle at app loading.
        from probation.models import Role

        if self.user_id and self.user.role != Role.PARTNER:
            raise ValidationError({"user": "Only partner agency users can belong to a partner organisation."})


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """An API credential for one partner agency user. The key is shown once when issued; only its SHA-256 digest is
    stored, with a short random prefix kept in clear to find the row and to tell credentials apart on screen.

    Key format: "<prefix>.<secret>", e.g. "k3J9xQ2a.5fR...". Lookup is by prefix, then the digest of the whole key is
    compared in constant time."""

    PREFIX_LENGTH = 8

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", limit_choices_to={"role": "partner"}
    )
    name = models.CharField(max_length=80, blank=True, help_text="What the credential is for, e.g. \"MASH case system\".")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField("SHA-256 of the key", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Blank: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # The expiry warning is a deadline of the deadline engine (partners/deadlines.py).
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by", editable=False,
        help_text="The credential this one was rotated from.",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> tuple[str, str]:
        """A new (prefix, key) pair; the key is "<prefix>.<secret>"."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        return prefix, f"{prefix}.{secrets.token_urlsafe(32)}"

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key_hash, self.digest(key))

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def status(self, now=None) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired(now):
            return "expired"
        return "active"


class BoroughReport(models.Model):
    """The stored monthly report for one borough's Community Safety Partnership: the sections' data as they were
    when produced, and the PDF sent. One per borough and month (the monthly job is idempotent)."""

    borough = models.ForeignKey(Borough, on_delete=models.CASCADE, related_name="reports")
    month = models.DateField(help_text="First day of the reported month.")
    generated_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)
    pdf = models.BinaryField(editable=False)
    hosp_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-month", "borough__name"]
        constraints = [
            models.UniqueConstraint(fields=["borough", "month"], name="one_report_per_borough_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="report_month_is_first_day"),
        ]

    def __str__(self):
        return f"{self.borough} – {self.month:%B %Y}"


class ApiRejection(models.Model):
    """How many API calls one address had refused for bad credentials in one minute: one row per address and minute,
    counted by an upsert (partners.services.api_rejection_record), instead of one audit row per refusal."""

    ip_address = models.GenericIPAddressField()
    minute = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    last_reason = models.CharField(max_length=32, blank=True)
    last_prefix = models.CharField("last key prefix presented", max_length=16, blank=True)

    class Meta:
        ordering = ["-minute", "ip_address"]
        verbose_name = "refused API credentials (per address and minute)"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["ip_address", "minute"], name="api_rejection_one_per_minute")]

    def __str__(self):
        return f"{self.ip_address} {self.minute:%Y-%m-%d %H:%M}: {self.count}"


def _webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """Where an organisation wants to hear about its MASH requests (answered, withdrawn, rating changed), signed with
    its own secret. Optional: an organisation without one polls the API instead."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(max_length=500, help_text="HTTPS address the partner gave us; we POST JSON to it.")
    secret = models.CharField(
        max_length=100, default=_webhook_secret,
        help_text="Shared secret for the HMAC-SHA256 signature; give it to the partner once, over a secure channel.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"{self.organisation}: {self.url}"


class WebhookDelivery(models.Model):
    """One event for one endpoint, written in the same transaction as the change it reports (an outbox), then sent
    with retries and back-off until the partner answers 2xx. Its id is the delivery id the partner sees, the same on
    every retry; `dedupe_key` makes one event one delivery however often it is queued."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    dedupe_key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Gave up after the last retry.")
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The webhook sweep (partners.tasks.webhook_sweep): deliveries still to send, by when they are due.
            models.Index(fields=["next_attempt_at"], name="webhook_due_idx",
                         condition=models.Q(delivered_at=None, failed_at=None)),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint.organisation} ({self.uuid})"
