"""The product's way of writing dates and times where Django writes them (the
admin's read-only fields and inlines), so they read like `callcenter.formats`:
"30 Nov 2026 14:05" rather than "Nov. 30, 2026, 2:05 p.m."."""
