"""The staff console (Kivy)."""
