"""Consent-based wellbeing check-in kiosk: travellers ask, staff answer, nothing is kept."""

__version__ = "0.1.0"
__all__ = ["__version__"]
