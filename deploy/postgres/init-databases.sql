-- Run once by the postgres image, on an empty data directory, as POSTGRES_USER
-- (who therefore owns them): one database per service, nothing shared between them.
-- Each service creates and migrates its own tables.
CREATE DATABASE ingress;
CREATE DATABASE billing;
CREATE DATABASE messaging;
CREATE DATABASE escalation;
CREATE DATABASE identity;
CREATE DATABASE voice;
CREATE DATABASE reputation;
