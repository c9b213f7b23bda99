"""Bulk import of trainees and mentors (CSV or XLSX) and per-cycle exports, for admins."""
