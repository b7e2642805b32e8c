//! The one hand-kept, portable diesel schema. Only column types that both SQLite and PostgreSQL
//! support through `MultiConnection` are used: BigInt ids, Integer, Text, Date, and Timestamp (UTC).

diesel::table! {
    organizations (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        short_name -> Nullable<Text>,
        kind -> Text,
        country -> Nullable<Text>,
        parent_id -> Nullable<BigInt>,
        description -> Nullable<Text>,
        search_key -> Text,
        sort_key -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        names -> Text,
    }
}

diesel::table! {
    people (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        honorific -> Nullable<Text>,
        country -> Nullable<Text>,
        bio -> Nullable<Text>,
        search_key -> Text,
        sort_key -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        names -> Text,
    }
}

diesel::table! {
    person_aliases (id) {
        id -> BigInt,
        person_id -> BigInt,
        name -> Text,
        language -> Text,
        kind -> Text,
        position -> Integer,
    }
}

diesel::table! {
    positions (id) {
        id -> BigInt,
        person_id -> BigInt,
        organization_id -> Nullable<BigInt>,
        title -> Text,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        position -> Integer,
        titles -> Text,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        short_name -> Nullable<Text>,
        edition -> Nullable<Integer>,
        theme -> Nullable<Text>,
        description -> Nullable<Text>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        date_precision -> Text,
        city -> Nullable<Text>,
        country -> Nullable<Text>,
        parent_id -> Nullable<BigInt>,
        search_key -> Text,
        sort_key -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        names -> Text,
    }
}

diesel::table! {
    event_organizers (event_id, organization_id) {
        event_id -> BigInt,
        organization_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    event_participants (id) {
        id -> BigInt,
        event_id -> BigInt,
        person_id -> BigInt,
        role -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    tags (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        created_at -> Timestamp,
        version -> Integer,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        names -> Text,
    }
}

diesel::table! {
    articles (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        lead -> Nullable<Text>,
        body -> Text,
        source_id -> Nullable<BigInt>,
        byline -> Nullable<Text>,
        language -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        notes -> Nullable<Text>,
        search_key -> Text,
        sort_key -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        view_count -> BigInt,
        section_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    article_tags (article_id, tag_id) {
        article_id -> BigInt,
        tag_id -> BigInt,
        position -> Integer,
        /// The article's, copied by triggers (migration 000008).
        published_at -> Nullable<Timestamp>,
        /// The article is published and not deleted (copied by triggers).
        listed -> Bool,
    }
}

diesel::table! {
    article_events (article_id, event_id) {
        article_id -> BigInt,
        event_id -> BigInt,
        position -> Integer,
        /// The article's, copied by triggers (migration 000008).
        published_at -> Nullable<Timestamp>,
        /// The article is published and not deleted (copied by triggers).
        listed -> Bool,
    }
}

diesel::table! {
    article_people (article_id, person_id) {
        article_id -> BigInt,
        person_id -> BigInt,
        position -> Integer,
        /// The article's, copied by triggers (migration 000008).
        published_at -> Nullable<Timestamp>,
        /// The article is published and not deleted (copied by triggers).
        listed -> Bool,
    }
}

diesel::table! {
    article_organizations (article_id, organization_id) {
        article_id -> BigInt,
        organization_id -> BigInt,
        position -> Integer,
        /// The article's, copied by triggers (migration 000008).
        published_at -> Nullable<Timestamp>,
        /// The article is published and not deleted (copied by triggers).
        listed -> Bool,
    }
}

diesel::joinable!(person_aliases -> people (person_id));
diesel::joinable!(positions -> people (person_id));
diesel::joinable!(positions -> organizations (organization_id));
diesel::joinable!(event_organizers -> events (event_id));
diesel::joinable!(event_organizers -> organizations (organization_id));
diesel::joinable!(event_participants -> events (event_id));
diesel::joinable!(event_participants -> people (person_id));
diesel::joinable!(articles -> organizations (source_id));
diesel::joinable!(article_tags -> articles (article_id));
diesel::joinable!(article_tags -> tags (tag_id));
diesel::joinable!(article_events -> articles (article_id));
diesel::joinable!(article_events -> events (event_id));
diesel::joinable!(article_people -> articles (article_id));
diesel::joinable!(article_people -> people (person_id));
diesel::joinable!(article_organizations -> articles (article_id));
diesel::joinable!(article_organizations -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    people,
    person_aliases,
    positions,
    events,
    event_organizers,
    event_participants,
    tags,
    articles,
    article_tags,
    article_events,
    article_people,
    article_organizations,
);

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        public_id -> Text,
        secret_hash -> Text,
        name -> Text,
        scopes -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    slug_history (id) {
        id -> BigInt,
        resource -> Text,
        slug -> Text,
        item_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    article_revisions (id) {
        id -> BigInt,
        article_id -> BigInt,
        version -> Integer,
        token_name -> Text,
        created_at -> Timestamp,
        snapshot -> Text,
    }
}

diesel::joinable!(article_revisions -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(articles, article_revisions);
diesel::allow_tables_to_appear_in_same_query!(organizations, api_tokens, slug_history);

diesel::table! {
    visit_salts (day) {
        day -> Date,
        salt -> Text,
    }
}

diesel::table! {
    visit_keys (key) {
        key -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    visit_daily (day, article_id) {
        day -> Date,
        article_id -> BigInt,
        views -> BigInt,
        visitors -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(articles, visit_daily);

diesel::table! {
    change_log_head (id) {
        id -> Integer,
        seq -> BigInt,
        published_through -> Nullable<Timestamp>,
    }
}

diesel::table! {
    change_log (seq) {
        seq -> BigInt,
        resource -> Text,
        item_id -> BigInt,
        slug -> Text,
        action -> Text,
        version -> Integer,
        at -> Timestamp,
        public_action -> Nullable<Text>,
        event -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> BigInt,
        url -> Text,
        description -> Text,
        events -> Text,
        secret -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        webhook_id -> BigInt,
        seq -> BigInt,
        event -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        last_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> change_log (seq));
diesel::allow_tables_to_appear_in_same_query!(webhooks, webhook_deliveries, change_log, articles);

diesel::table! {
    service_keys (name) {
        name -> Text,
        secret -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    maintenance_steps (name) {
        name -> Text,
        done_at -> Timestamp,
    }
}

diesel::table! {
    article_mentions (article_id, kind, item_id) {
        article_id -> BigInt,
        kind -> SmallInt,
        item_id -> BigInt,
        count -> Integer,
    }
}

diesel::table! {
    article_mention_exclusions (article_id, kind, item_id) {
        article_id -> BigInt,
        kind -> SmallInt,
        item_id -> BigInt,
    }
}

diesel::table! {
    relink_jobs (id) {
        id -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(articles, article_mentions);
diesel::allow_tables_to_appear_in_same_query!(articles, renditions);

diesel::table! {
    media (id) {
        id -> BigInt,
        sha256 -> Text,
        name -> Text,
        content_type -> Text,
        bytes -> BigInt,
        width -> Integer,
        height -> Integer,
        has_alpha -> Bool,
        alt -> Nullable<Text>,
        caption -> Nullable<Text>,
        credit -> Nullable<Text>,
        search_key -> Text,
        color -> Text,
        blurhash -> Text,
        variants_done_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    media_purges (id) {
        id -> BigInt,
        media_id -> BigInt,
        sha256 -> Text,
        token_id -> BigInt,
        token_name -> Text,
        reason -> Text,
        purged_at -> Timestamp,
    }
}

diesel::table! {
    article_media (article_id, media_id) {
        article_id -> BigInt,
        media_id -> BigInt,
    }
}

diesel::joinable!(article_media -> media (media_id));
diesel::joinable!(article_media -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(media, article_media, articles, media_purges);

diesel::table! {
    slots (id) {
        id -> BigInt,
        name -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    slot_items (slot_id, position) {
        slot_id -> BigInt,
        position -> Integer,
        article_id -> BigInt,
        starts_at -> Nullable<Timestamp>,
        ends_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(slot_items -> slots (slot_id));
diesel::allow_tables_to_appear_in_same_query!(slots, slot_items);

diesel::table! {
    preview_links (id) {
        id -> BigInt,
        article_id -> BigInt,
        created_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        token_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sections (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<BigInt>,
        position -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        names -> Text,
    }
}

diesel::table! {
    article_sections (article_id, section_id) {
        article_id -> BigInt,
        section_id -> BigInt,
        position -> Integer,
    }
}

diesel::joinable!(article_sections -> sections (section_id));
diesel::allow_tables_to_appear_in_same_query!(sections, article_sections, articles);

diesel::table! {
    authors (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        bio -> Nullable<Text>,
        avatar_id -> Nullable<BigInt>,
        links -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    article_authors (article_id, author_id) {
        article_id -> BigInt,
        author_id -> BigInt,
        position -> Integer,
    }
}

diesel::joinable!(article_authors -> authors (author_id));
diesel::allow_tables_to_appear_in_same_query!(authors, article_authors, articles);

diesel::table! {
    article_related (article_id, related_id) {
        article_id -> BigInt,
        related_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    renditions (resource, item_id, form, language) {
        resource -> Text,
        item_id -> BigInt,
        form -> Text,
        language -> Text,
        body -> Text,
        view_count_at -> Nullable<Integer>,
        shown -> Text,
        valid_until -> Nullable<Timestamp>,
        rendered_at -> Timestamp,
    }
}

diesel::table! {
    rendition_keys (key, resource, item_id) {
        key -> Text,
        resource -> Text,
        item_id -> BigInt,
    }
}

diesel::table! {
    article_translations (article_id) {
        article_id -> BigInt,
        group_id -> BigInt,
        language -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(articles, article_translations);
