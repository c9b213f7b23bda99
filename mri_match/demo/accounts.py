"""The demo's fixed names: its cycle, its email domain and the password every account shares."""

from ..models import User

DEMO_DOMAIN = "demo.mri-match.org"
DEMO_PASSWORD = "demo-password-2026"
DEMO_SLUG = "demo-2026"
DEMO_CYCLE_NAME = "MRI 2026–27 Demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"


def trainee_email(n: int) -> str:
    return f"trainee{n}@{DEMO_DOMAIN}"


def mentor_email(n: int) -> str:
    return f"mentor{n}@{DEMO_DOMAIN}"


def demo_accounts(role: str | None = None):
    """The demo's accounts (of one role's numbered addresses, if given): a WHERE condition."""
    condition = User.email.endswith(f"@{DEMO_DOMAIN}", autoescape=True)
    if role is not None:
        condition &= User.role == role
        condition &= User.email.startswith(role, autoescape=True)
    return condition
