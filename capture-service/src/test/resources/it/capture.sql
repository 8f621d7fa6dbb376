CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');

CREATE TABLE typed (
    id        integer PRIMARY KEY,
    small     smallint,
    big       bigint NOT NULL,
    amount    numeric(12,2),
    rate      numeric(7,5) NOT NULL,
    anything  numeric,
    r         real,
    d         double precision,
    flag      boolean,
    label     varchar(20),
    uid       uuid,
    doc       jsonb,
    js        json,
    at_local  timestamp,
    at_utc    timestamptz,
    day       date,
    raw       bytea,
    tags      text[],
    nums      integer[],
    feeling   mood
);

CREATE TABLE docs (
    id     integer PRIMARY KEY,
    title  text NOT NULL,
    body   text,
    blob   text NOT NULL
);

CREATE TABLE no_key (a integer);

INSERT INTO customer_segments (id, name, tier, discount) VALUES (1, 'Gold', 'A', 12.5), (2, 'Silver', 'B', 5);

CREATE TABLE accounts (
    id       integer PRIMARY KEY,
    owner    text NOT NULL,
    balance  numeric(10,2) NOT NULL
);
ALTER TABLE accounts REPLICA IDENTITY FULL;
