-- Access review campaigns (package review): each campaign and each of its
-- items as JSON, with the columns they are filtered and ordered by.
-- reviewers holds the item's reviewer references in lower case, each
-- between bars ("|user:carol@example.com|group:security|"), for the
-- "my items" listing.
CREATE TABLE review_campaigns (
    id         TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data       TEXT NOT NULL,
    version    INTEGER NOT NULL
) STRICT;

CREATE INDEX review_campaigns_created ON review_campaigns (created_at, id);

CREATE TABLE review_items (
    id          TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES review_campaigns (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    reviewers   TEXT NOT NULL,
    data        TEXT NOT NULL,
    version     INTEGER NOT NULL
) STRICT;

CREATE INDEX review_items_campaign ON review_items (campaign_id, id);
CREATE INDEX review_items_state ON review_items (state, id);
