"""Importing this registers every /api/v1 resource's routes on the API blueprint (sara.api.views),
which must happen before the blueprint is registered on the app. One line per resource module."""

from sara.api import views  # noqa: F401  (tokens, errors and /lookup)
