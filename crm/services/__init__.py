"""Every write to the CRM domain goes through these functions.

The API, the browser, the importer and automation call the same service, so a change
fires the same domain events whichever door it came through.
"""
