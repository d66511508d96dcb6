"""Browser journeys and accessibility checks (issue 8): `make e2e`."""
