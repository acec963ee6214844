-- Grants and effects of other resource types than Identity Center (IAM
-- roles and groups, S3, EC2, EKS, RDS). Existing rows are Identity Center
-- ones: an empty type means aws-sso, and their details are empty.

ALTER TABLE grants ADD COLUMN resource_type TEXT NOT NULL DEFAULT '';
ALTER TABLE grants ADD COLUMN details       TEXT NOT NULL DEFAULT '{}';

ALTER TABLE requests ADD COLUMN requester_name TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN cutoff         INTEGER NOT NULL DEFAULT 0;

ALTER TABLE effects ADD COLUMN target  TEXT NOT NULL DEFAULT '';
ALTER TABLE effects ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE effects ADD COLUMN spec    TEXT NOT NULL DEFAULT 'null';
ALTER TABLE effects ADD COLUMN until   TEXT;
