"""gunicorn settings: `gunicorn -c gunicorn.conf.py "mri_match:create_app()"`."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # matching in the request takes time
accesslog = "-"
errorlog = "-"


def on_starting(server):
    """Tell the app how many workers serve it (whether set here, by -w or by the environment):
    it refuses per-process rate limits in production when there is more than one."""
    os.environ["WEB_CONCURRENCY"] = str(server.cfg.workers)
