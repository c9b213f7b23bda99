"""Command-line tools."""

from mri_match.models import User


def test_create_admin_prompts_for_a_hidden_password(runner, client, auth):
    password = "an admin passphrase"
    result = runner.invoke(
        args=["create-admin", "Boss@Example.org"], input=f"{password}\n{password}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Admin boss@example.org created." in result.output
    assert password not in result.output  # never echoed
    admin = User.by_email("boss@example.org")
    assert admin.role == "admin" and admin.check_password(password)
    assert admin.email_confirmed_at is not None  # typed in by the operator: no link to follow
    assert auth.login("boss@example.org", password).status_code == 302


def test_create_admin_refuses_bad_input(runner, factory):
    factory.user(email="taken@example.org")
    result = runner.invoke(args=["create-admin", "not-an-email", "--password", "x" * 12])
    assert result.exit_code == 2 and "EMAIL" in result.output
    result = runner.invoke(args=["create-admin", "a@example.org", "--password", "short"])
    assert result.exit_code == 2 and "at least 12 characters" in result.output
    result = runner.invoke(args=["create-admin", "taken@example.org", "--password", "x" * 12])
    assert result.exit_code == 1 and "already exists" in result.output
    assert User.by_email("a@example.org") is None


def test_create_admin_has_help(runner):
    result = runner.invoke(args=["create-admin", "--help"])
    assert "Create a program admin account" in result.output
