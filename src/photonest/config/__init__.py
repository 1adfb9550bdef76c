"""Process settings and the admin-editable system configuration."""
