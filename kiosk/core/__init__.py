"""Pure domain core: no Kivy, no HTTP, no SQL, no crypto (a test checks the boundary)."""
