"""What every paged list's page has in common."""

from __future__ import annotations


class Paged:
    """Mixed into a page dataclass that has `total`, `page` and `per_page` fields."""

    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list has; an empty list still has one, saying it is empty."""
        return max(1, -(-self.total // self.per_page))
