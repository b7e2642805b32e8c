-- Names in every language (issue 25, decision 0028): events, organizations, sections, tags and
-- people keep their name (and description) in the portal's default language in their own
-- columns, and the other languages in `names`, a JSON object by BCP 47 tag:
-- {"en": {"name": "...", "description": "..."}}. A position's titles in other languages are in
-- `titles`: {"en": "..."}. `name_en` and `title_en` become the `en` entries and are dropped.
ALTER TABLE events ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE organizations ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE sections ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tags ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE people ADD COLUMN names TEXT NOT NULL DEFAULT '{}';
ALTER TABLE positions ADD COLUMN titles TEXT NOT NULL DEFAULT '{}';
UPDATE events SET names = json_object('en', json_object('name', name_en)) WHERE name_en IS NOT NULL;
UPDATE organizations SET names = json_object('en', json_object('name', name_en)) WHERE name_en IS NOT NULL;
UPDATE positions SET titles = json_object('en', title_en) WHERE title_en IS NOT NULL;
ALTER TABLE events DROP COLUMN name_en;
ALTER TABLE organizations DROP COLUMN name_en;
ALTER TABLE positions DROP COLUMN title_en;
