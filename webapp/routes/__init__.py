"""The Mini App API, one module per part of the store."""
