"""Local fake marketplace servers (Uzum, Wildberries, Ozon) faithful to /work/shared/marketplace-apis.md, used by
tests and the demo instead of the real seller APIs; quirks are constructor options, control is under /_sandbox/."""
