"""Message channels: SMS gateways, e-mail, carriers' webhooks and the demo inbox.

Each implements `locker.message_channel.MessageChannel` and is configured with plain values.
They know nothing of where they run (the locker's outbox worker, or a centre).
"""
