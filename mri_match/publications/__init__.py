"""A mentor's publications: fetched from ORCID, PubMed and Crossref by a background job,
ticked by the mentor, and read by matching with the expertise statement.

``identifiers.py`` checks and normalises ORCID iDs, PubMed IDs and DOIs; ``sources.py`` talks
to the services; ``service.py`` collects and stores; ``jobs.py`` queues the fetch on RQ.
"""
