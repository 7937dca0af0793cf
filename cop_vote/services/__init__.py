"""The bridge between the database and the domain rules.

Services take the acting :class:`~cop_vote.models.Person` and plain values,
check permissions, apply the rules of :mod:`cop_vote.domain`, write through the
session and ``flush`` — they never commit: the request (or command) commits once.
They raise the errors of :mod:`cop_vote.domain.errors`; nothing here imports Flask.
"""
