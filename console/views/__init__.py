"""The console's admin views, as mixins of the admin site (like `AdminSite`'s own views)."""
