"""Operator tasks: create a site, enrol devices, publish signed manifests."""

from kiosk.operator.site_admin import (
    SiteLayout,
    enrol_local_device,
    init_site,
    sample_site,
    site_passphrase,
)

__all__ = ["SiteLayout", "enrol_local_device", "init_site", "sample_site", "site_passphrase"]
