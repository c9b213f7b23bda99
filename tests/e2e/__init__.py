"""End-to-end journeys in Chromium with accessibility checks (pytest -m e2e)."""
