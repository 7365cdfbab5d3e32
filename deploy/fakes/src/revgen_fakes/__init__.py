"""Provider fakes: stateful HTTP servers that the official SDKs talk to unchanged."""
