"""Speech output engines, and which one speaks each offered language.

Pure Python (no Kivy): the traveller app's Speaker, `kiosk doctor` and
`kiosk i18n report` all read the same table, `kiosk.speech.voices.VOICES`.
"""
