"""Local stand-ins for an application's services: what each colour's pods answer in a rehearsal.

Standard library only, so that a pods process starts in a blink: `cards` (brands, Luhn, the test
numbers that decline), `payments` (card payments with idempotency keys), `api` (health, sessions,
profiles and payments under each service's path), `server` (the HTTP server around the API).
"""
