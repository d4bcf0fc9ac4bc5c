"""The supervisor's queue: reviews due, evaluations awaiting sign-off, cases closed without an
approved evaluation, and the team's cases counted by neighbourhood."""
