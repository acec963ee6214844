-- Grants and effects of other resource types than Identity Center (IAM
-- roles and groups, S3, EC2, EKS, RDS). Existing rows are Identity Center
-- ones: an empty type means aws-sso, and their details are empty.

ALTER TABLE grants
    ADD COLUMN resource_type text NOT NULL DEFAULT '',
    ADD COLUMN details       jsonb NOT NULL DEFAULT '{}';

ALTER TABLE requests
    ADD COLUMN requester_name text NOT NULL DEFAULT '',
    ADD COLUMN cutoff         boolean NOT NULL DEFAULT false;

ALTER TABLE effects
    ADD COLUMN target  text NOT NULL DEFAULT '',
    ADD COLUMN subject text NOT NULL DEFAULT '',
    ADD COLUMN spec    jsonb NOT NULL DEFAULT 'null',
    ADD COLUMN until   timestamptz;
