"""gunicorn settings: `gunicorn -c gunicorn.conf.py "mri_match:create_app()"`."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # matching in the request takes time
accesslog = "-"
errorlog = "-"
