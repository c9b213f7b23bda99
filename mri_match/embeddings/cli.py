"""``flask embeddings status`` and ``flask embeddings refresh``."""

import click
from flask.cli import AppGroup

from ..extensions import db
from ..models import StatementEmbedding
from . import service, store

embeddings_cli = AppGroup("embeddings", help="Stored statement vectors (semantic model).")


@embeddings_cli.command("refresh")
@click.option("--all", "force", is_flag=True, help="Compute every vector again.")
def refresh_command(force: bool) -> None:
    """Compute the missing and stale vectors: new texts, and every vector made by another
    model or model version."""
    enc = store.encoder()
    if enc is None:
        raise click.ClickException(
            "The statement model does not use embeddings (STATEMENT_MODEL is tfidf, or the "
            "semantic model is not installed); nothing to do."
        )
    click.echo(f"Model: {enc.model_id}")
    for kind, outcome in service.refresh(force=force).items():
        click.echo(
            f"{kind} statements: {outcome.computed} computed, {outcome.current} up to date, "
            f"{outcome.removed} removed (text now empty)"
        )


@embeddings_cli.command("status")
def status_command() -> None:
    """How many vectors are stored, by model."""
    enc = store.encoder()
    click.echo(f"Model in use: {enc.model_id if enc else 'none (statement model: tfidf)'}")
    rows = db.session.execute(
        db.select(StatementEmbedding.model, db.func.count()).group_by(StatementEmbedding.model)
    ).all()
    for model, count in rows:
        other = enc is not None and model != enc.model_id
        click.echo(f"{count} vectors by {model}" + (" (stale: another model)" if other else ""))
    if not rows:
        click.echo("No vectors stored.")
