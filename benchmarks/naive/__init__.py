"""The baseline: what a first DRF attempt at nested order create and list
looks like (the "writable nested serializers" recipe of the DRF docs). Kept
plain on purpose; it is not a model for the product."""
