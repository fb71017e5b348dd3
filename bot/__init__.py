"""Telegram bot and its terminal twin: a citizen's guide to jury duty (kk/ru).

The bot reaches the service over HTTP only (``bot.api_client``); it imports nothing from
``assistant`` but ``assistant.core``.
"""
