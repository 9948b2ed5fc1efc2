"""The account dashboard: a key holder signs in with an API key and sees credits, usage, jobs, keys,
webhook endpoints and deliveries, and the source domains.

The session keeps the account and the digest of the key it was opened with, never the key; the
session ends when that key is revoked or the account disabled, as the key itself would stop.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import credits, keys
from accounts.models import Account, AllowedOrigin, ApiKey, CreditEntry, Plan, WebhookEndpoint
from optimizer.models import Item, Variant, WebhookEvent
from reducer.v1 import links

SESSION_KEY = "dashboard_key_digest"
USAGE_DAYS = 30
RECENT_ITEMS = 25
RECENT_DELIVERIES = 10


def signed_in_account(request: HttpRequest) -> Account | None:
    """The account of the session's key, while that key still authenticates."""
    digest = request.session.get(SESSION_KEY)
    if not digest:
        return None
    api_key = ApiKey.objects.select_related("account").filter(digest=digest, revoked_at__isnull=True).first()
    if api_key is None or not api_key.account.is_active:
        request.session.pop(SESSION_KEY, None)
        return None
    return api_key.account


def sign_in(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: the key, CSRF-checked, in the body (never in a URL, so never in a log)."""
    error = ""
    if request.method == "POST":
        presented = request.POST.get("key", "").strip()
        try:
            keys.authenticate(presented)
        except keys.KeyRejected as rejected:
            error = rejected.message
        else:
            request.session.cycle_key()  # a fresh session id for the signed-in visitor
            request.session[SESSION_KEY] = keys.digest(presented)
            return redirect("pages:dashboard")
    return render(request, "pages/sign_in.html", {"error": error}, status=401 if error else 200)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("pages:sign-in")


def _usage(account: Account) -> list[dict]:
    """Credits charged per day over the last USAGE_DAYS days, every day present (0 when idle)."""
    today = timezone.localdate()
    first = today - timedelta(days=USAGE_DAYS - 1)
    charged = dict(
        CreditEntry.objects.filter(account=account, kind=CreditEntry.Kind.SETTLE, created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Sum("amount"))
        .values_list("day", "total")
    )
    peak = max(charged.values(), default=0) or 1
    days = [first + timedelta(days=offset) for offset in range(USAGE_DAYS)]
    return [{"day": day, "credits": charged.get(day, 0), "percent": 100 * charged.get(day, 0) // peak} for day in days]


def _recent(account: Account) -> list[dict]:
    items = list(Item.objects.filter(account=account).select_related("job").order_by("-created_at")[:RECENT_ITEMS])
    variants: dict = {}
    for variant in Variant.objects.filter(item__in=items).exclude(storage_name=""):
        variants.setdefault(variant.item_id, []).append(variant)
    rows = []
    for item in items:
        smallest = min(
            (v for v in variants.get(item.pk, []) if v.generation == item.generation),
            key=lambda v: v.size,
            default=None,
        )
        savings = None
        if smallest is not None and item.original_size:
            savings = round(100 * (item.original_size - smallest.size) / item.original_size, 1)
        rows.append(
            {
                "item": item,
                "name": item.source_label,
                "best": smallest,
                "savings": savings,
                # the thumbnail is the served result itself, through the same signed link as v1
                "thumbnail": links.download_url(item.pk, item.generation)
                if item.status == Item.Status.DONE and smallest is not None
                else "",
            }
        )
    return rows


def dashboard(request: HttpRequest) -> HttpResponse:
    account = signed_in_account(request)
    if account is None:
        return redirect("pages:sign-in")
    return _render_dashboard(request, account, "")


@never_cache  # the answer carries the plain key: no cache may keep it
@require_POST
def create_key(request: HttpRequest) -> HttpResponse:
    """Issue a key and show it in this answer only: not in a redirect URL, the session or a message."""
    account = signed_in_account(request)
    if account is None:
        return redirect("pages:sign-in")
    _, plain = keys.issue(account, label=request.POST.get("label", "").strip()[:100] or "from the dashboard")
    return _render_dashboard(request, account, plain)


@require_POST
def revoke_key(request: HttpRequest, key_id: int) -> HttpResponse:
    account = signed_in_account(request)
    if account is None:
        return redirect("pages:sign-in")
    api_key = ApiKey.objects.filter(pk=key_id, account=account).first()
    if api_key is not None:
        keys.revoke(api_key)
    return redirect("pages:dashboard")  # to the sign-in page when that was the session's own key


def _render_dashboard(request: HttpRequest, account: Account, new_key: str) -> HttpResponse:
    credits.renew_if_due(account.pk)
    plan = Plan.objects.get(account=account)
    outcomes = dict(
        Item.objects.filter(account=account, created_at__gte=timezone.now() - timedelta(days=USAGE_DAYS))
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return render(
        request,
        "pages/dashboard.html",
        {
            "account": account,
            "plan": plan,
            "usage": _usage(account),
            "outcomes": outcomes,
            "recent": _recent(account),
            "keys": ApiKey.objects.filter(account=account).order_by("-created_at"),
            "webhook_endpoints": WebhookEndpoint.objects.filter(account=account).order_by("-is_default", "url"),
            "webhook_events": WebhookEvent.objects.filter(account=account)
            .select_related("endpoint")
            .order_by("-created_at")[:RECENT_DELIVERIES],
            "allowed_domains": AllowedOrigin.objects.filter(account=account)
            .order_by("domain")
            .values_list("domain", flat=True),
            "new_key": new_key,
            "session_key_digest": request.session.get(SESSION_KEY),
        },
    )
