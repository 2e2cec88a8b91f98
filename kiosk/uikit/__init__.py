"""Kivy pieces shared by the traveller app and the staff console."""
