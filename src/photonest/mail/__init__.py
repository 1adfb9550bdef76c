"""Email: rendering the templates and sending them over SMTP."""
