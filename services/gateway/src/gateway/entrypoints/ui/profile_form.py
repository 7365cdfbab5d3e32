"""The profile as a form: one text field per weekday ("08:00-12:00, 13:00-18:00", empty when
closed) and one number per line, turned into messaging's profile and back."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_FIELD = 20000


@dataclass
class ProfileForm:
    business_name: str = ""
    timezone: str = "America/New_York"
    numbers: str = ""
    owner_phone: str = ""
    owner_email: str = ""
    quiet_start: str = "21:00"
    quiet_end: str = "08:00"
    monthly_limit: str = "2000"
    persona: str = ""
    knowledge: str = ""
    hours: list[str] = field(default_factory=lambda: [""] * 7)

    @classmethod
    def from_form(cls, data) -> "ProfileForm":
        text = {f.name: str(data.get(f.name, ""))[:MAX_FIELD] for f in fields(cls) if f.name != "hours"}
        return cls(**text, hours=[str(data.get(f"hours_{day}", ""))[:200] for day in range(7)])


def form_of(profile: dict) -> ProfileForm:
    hours = profile.get("business_hours") or {}
    return ProfileForm(
        business_name=profile["business_name"], timezone=profile["timezone"], numbers="\n".join(profile["numbers"]),
        owner_phone=profile.get("owner_phone") or "", owner_email=profile.get("owner_email") or "",
        quiet_start=profile["quiet_start"][:5],
        quiet_end=profile["quiet_end"][:5], monthly_limit=str(profile["monthly_limit"]),
        persona=profile.get("persona", ""), knowledge=profile.get("knowledge", ""),
        hours=[", ".join(f"{s[:5]}-{e[:5]}" for s, e in hours.get(str(day), hours.get(day, []))) for day in range(7)])


def profile_of(form: ProfileForm) -> dict:
    """The API's profile from the form; ValueError naming the day whose hours do not read."""
    hours = {}
    for day, spans in enumerate(form.hours):
        parsed = []
        for span in filter(None, (s.strip() for s in spans.split(","))):
            start, dash, end = span.partition("-")
            if not dash:
                raise ValueError(f"{DAYS[day]}: write hours as 08:00-18:00 (several separated by commas)")
            parsed.append((start.strip(), end.strip()))
        if parsed:
            hours[day] = parsed
    return {"business_name": form.business_name.strip(), "timezone": form.timezone.strip(),
            "numbers": [n.strip() for n in form.numbers.splitlines() if n.strip()],
            "owner_phone": form.owner_phone.strip() or None, "owner_email": form.owner_email.strip() or None,
            "quiet_start": form.quiet_start.strip(),
            "quiet_end": form.quiet_end.strip(), "monthly_limit": form.monthly_limit.strip(),
            "persona": form.persona, "knowledge": form.knowledge, "business_hours": hours}
