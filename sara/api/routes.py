"""Importing this registers every /api/v1 resource's routes on the API blueprint (sara.api.views),
which must happen before the blueprint is registered on the app. One line per resource module."""

from sara.api import (
    actions,  # noqa: F401
    asb_reviews,  # noqa: F401
    cases,  # noqa: F401
    complaints,  # noqa: F401
    evaluation,  # noqa: F401
    flags,  # noqa: F401
    incidents,  # noqa: F401
    openapi,  # noqa: F401  (GET /openapi.json)
    views,  # noqa: F401  (tokens, errors and /lookup)
)
