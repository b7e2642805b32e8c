-- An index for every sort and filter the lists offer that had none. Sorts are keyset-paged by
-- (value, id), so their indexes carry the id too.
CREATE INDEX articles_title_sort_idx ON articles(sort_key, id);
CREATE INDEX articles_published_idx ON articles(published_at, id);
CREATE INDEX events_name_sort_idx ON events(sort_key, id);
CREATE INDEX events_updated_idx ON events(updated_at, id);
CREATE INDEX people_name_sort_idx ON people(sort_key, id);
CREATE INDEX people_updated_idx ON people(updated_at, id);
CREATE INDEX people_country_idx ON people(country);
CREATE INDEX organizations_name_sort_idx ON organizations(sort_key, id);
CREATE INDEX organizations_updated_idx ON organizations(updated_at, id);
CREATE INDEX organizations_kind_idx ON organizations(kind);
CREATE INDEX organizations_country_idx ON organizations(country);
CREATE INDEX event_organizers_organization_idx ON event_organizers(organization_id);
