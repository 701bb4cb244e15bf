-- The webhook path token is a credential like the API keys: it is kept only as its sha256 (hex), which is all a
-- receiver needs to match a request's token (core.webhooks.knows_token, in constant time). The plain token is
-- shown once, by `marketplace configure --new-webhook-token`, and stored nowhere. Tokens made before this are
-- hashed here by PostgreSQL's built-in sha256() (no pgcrypto), so the URLs already entered in the marketplaces'
-- cabinets keep working; the plain column goes.
ALTER TABLE marketplaces ADD COLUMN webhook_token_sha256 CHAR(64)
    CHECK (webhook_token_sha256 ~ '^[0-9a-f]{64}$');
UPDATE marketplaces
   SET webhook_token_sha256 = encode(sha256(convert_to(webhook_path_token, 'UTF8')), 'hex')
 WHERE webhook_path_token IS NOT NULL;
ALTER TABLE marketplaces DROP COLUMN webhook_path_token;
