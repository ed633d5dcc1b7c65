"""HTTP routes: validate, call the service, shape the response."""
