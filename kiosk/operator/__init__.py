"""Operator tasks: create a site, enrol devices, publish signed manifests."""

from kiosk.operator.site_admin import SiteLayout, enrol_device, init_site, sample_site

__all__ = ["SiteLayout", "enrol_device", "init_site", "sample_site"]
