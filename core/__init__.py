"""The heart shared by every face: settings, database, Redis and the domain. Imports no other room."""
