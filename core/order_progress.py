"""Where a marketplace says an open order of ours is, once past the seller's steps: its goods left the warehouse
(the courier took it, whether or not it was handed over from chat), it reached its buyer, or it was cancelled (or
returned unsold). Each adapter and push protocol words its platform's statuses as one of these."""

from typing import Literal

Progress = Literal["left", "delivered", "cancelled"]
