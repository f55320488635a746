"""The admin API: signed requests from the WordPress plugin only (docs/protocol.md)."""
