-- Support in chat (issue 17): what a customer writes to the bot reaches the shop's alert chat as a thread, and an
-- admin's reply there reaches the customer. Every message either way is kept: who wrote, when, what kind, the
-- text or caption, and where it landed, so a dispute over "I wrote and nobody answered" can be settled.

-- One conversation with one customer. A new one opens when the last one was quiet for a day
-- (core.support.THREAD_IDLE). The thread's header (the customer's name, phone and latest orders) is the first
-- message of the thread in the alert chat; the customer's messages are copied there as replies to it.
CREATE TABLE support_threads (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    opened_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- The last message either way: the customer is told "the seller will reply here" when a message follows a
    -- quiet spell (core.support.BURST_GAP), not for each message of a burst.
    last_activity_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- Where the header was posted (NULL until the alert sender posted it; posted anew if the alert chat changes).
    alert_chat_id BIGINT,
    header_message_id BIGINT
);
CREATE INDEX idx_support_threads_user ON support_threads (user_id, id DESC);
CREATE UNIQUE INDEX idx_support_threads_header ON support_threads (alert_chat_id, header_message_id)
    WHERE header_message_id IS NOT NULL;

-- Each message of a thread: from the customer (copied into the alert chat by the alert sender, through the
-- notifications outbox) or from an admin (a reply in the alert chat, copied to the customer's chat at once).
CREATE TABLE support_messages (
    id BIGSERIAL PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES support_threads(id) ON DELETE CASCADE,
    author VARCHAR(10) NOT NULL CHECK (author IN ('customer', 'admin')),
    admin_id INTEGER REFERENCES users(id) ON DELETE SET NULL,  -- who answered, for an admin's message
    content_type VARCHAR(30) NOT NULL,  -- Telegram's: text, photo, voice, video, document, sticker, ...
    text TEXT,  -- the text or the caption, as written
    customer_chat_id BIGINT NOT NULL,
    customer_message_id BIGINT,  -- in the customer's chat: theirs, or the copy of an admin's reply
    alert_chat_id BIGINT,
    alert_message_id BIGINT,  -- in the alert chat: the copy of a customer's message, or the admin's reply
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    delivered_at TIMESTAMPTZ,  -- when the other side's chat took it
    error TEXT  -- why it did not arrive (an admin's reply to a customer who blocked the bot)
);
CREATE INDEX idx_support_messages_thread ON support_messages (thread_id, id);
CREATE UNIQUE INDEX idx_support_messages_alert ON support_messages (alert_chat_id, alert_message_id)
    WHERE alert_message_id IS NOT NULL;
