"""The traveller's kiosk app (Kivy)."""
