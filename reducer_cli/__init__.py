"""reducer-cli: a bulk client for a reducer server, over HTTP only (it imports nothing of the server)."""
