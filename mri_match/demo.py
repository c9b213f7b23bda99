"""Demo data (to be built)."""

import click


@click.command("seed-demo")
def seed_demo() -> None:
    """Create a realistic demo cycle (not built yet)."""
    raise click.ClickException("seed-demo is not built yet")
