"""The demo room: a believable catalog to seed, and local marketplace sandboxes standing in for the real seller
APIs. Only the composition root (amazing_store) and the tests import it; the product never depends on it."""
