"""Participants' languages: BCP 47 tags, choosing among them, and the gettext catalogs.

The researcher console and the API's messages stay English; everything a participant reads
(pages, built-in emails, built-in values) goes through this package.
"""
