"""The subsidy rules engine (§3.3): pure functions over columns of facts. No ORM imports here —
the same code decides one claim online (a frame of one row) and a million in a batch."""
