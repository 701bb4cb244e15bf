"""The API marketplaces the demo has a sandbox for, from their declarations (core.listings) and what each sandbox
tells the demo (its DEMO): the demo names no platform itself, so a newly declared one joins it."""

from __future__ import annotations

from core.import_paths import resolve
from core.listings import PLATFORMS, Platform, declared
from demo.sandboxes.demo_platform import DemoPlatform


def demo_platform(api_type: str | None) -> DemoPlatform | None:
    """What the sandbox of this marketplace type tells the demo; None where the platform declares no sandbox."""
    platform = declared(api_type)
    if platform is None or platform.sandbox is None:
        return None
    hook = resolve(platform.sandbox)
    if not isinstance(hook, DemoPlatform):
        raise TypeError(f"{platform.sandbox} (the demo sandbox of {platform.api_type}) is not a DemoPlatform")
    return hook


def demo_platforms() -> list[tuple[Platform, DemoPlatform]]:
    """Every platform with a demo sandbox, in the registry's order."""
    found = [(platform, demo_platform(api_type)) for api_type, platform in PLATFORMS.items()]
    return [(platform, hook) for platform, hook in found if hook is not None]
