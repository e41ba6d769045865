"""The researchers' web console at ``/console``: server-rendered pages over the admin API's
own handlers and use cases (``operations.py`` lists its routes)."""
