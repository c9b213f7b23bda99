"""Program insight for admins: a cycle's reports with charts, and the equity audit of a run.

The figures are plain data from grouped SQL, one module per report (:mod:`.funnel`,
:mod:`.topics`, :mod:`.scores`, :mod:`.pairs`, on the definitions in :mod:`.selections`);
:mod:`.cycle_reports` turns each into a table and a chart, and :mod:`.equity` is the audit
with its small-cell suppression.
"""

from .views import bp

__all__ = ["bp"]
