-- mod_leads schema 5: web forms (docs/api.md §10). A form is a source whose
-- key (lpk_) is published in a page: kind 'form', the origins allowed to post
-- (space-separated), where a browser is sent after posting, the honeypot
-- field, the captcha provider and its secret ('' where unused).

ALTER TABLE sources ADD COLUMN IF NOT EXISTS kind VARCHAR(16) NOT NULL DEFAULT 'ingest';
ALTER TABLE sources ADD COLUMN IF NOT EXISTS origins TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN IF NOT EXISTS redirect_url TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN IF NOT EXISTS honeypot TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN IF NOT EXISTS captcha VARCHAR(16) NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN IF NOT EXISTS captcha_secret TEXT NOT NULL DEFAULT '';
