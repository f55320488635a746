"""The Stripe settings feature: the model (FluentCart's stored row and what it means), the store (reading and
changing it in the database), the service (saving as the admin page and the CLI do) and the settings view."""
