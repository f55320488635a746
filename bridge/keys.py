"""Every piece of application state, as typed keys with unique dotted names."""

from __future__ import annotations

from aiohttp import web

from bridge.config import ServiceConfig
from bridge.connect.stripe_calls import AccountCache
from bridge.logs import Redactor
from bridge.metrics import Metrics
from bridge.plugin_protocol import SignedRequest
from bridge.site import Site
from bridge.storage.database import Database
from bridge.stripe_api import StripeApi
from bridge.webhooks.inbox_writer import InboxWriter
from bridge.webhooks.intake_state import IntakeStateCache
from bridge.webhooks.notify import Notifier
from bridge.webhooks.refusals import Refusals
from bridge.webhooks.worker import Worker

config_key = web.AppKey("bridge.config", ServiceConfig)
site_key = web.AppKey("bridge.site", Site)
database_key = web.AppKey("bridge.database", Database)
redactor_key = web.AppKey("bridge.redactor", Redactor)
stripe_key = web.AppKey("bridge.stripe", StripeApi)
account_cache_key = web.AppKey("bridge.account_cache", AccountCache)
worker_key = web.AppKey("bridge.worker", Worker)
metrics_key = web.AppKey("bridge.metrics", Metrics)
intake_state_key = web.AppKey("bridge.intake_state", IntakeStateCache)
inbox_writer_key = web.AppKey("bridge.inbox_writer", InboxWriter)
notifier_key = web.AppKey("bridge.notifier", Notifier)
refusals_key = web.AppKey("bridge.refusals", Refusals)
signed_request_key = web.RequestKey("bridge.signed_request", SignedRequest)
