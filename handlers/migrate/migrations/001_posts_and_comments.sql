-- Posts and their comments. Likes live in DynamoDB (high-write counters); photos' processing state too.

CREATE TABLE posts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug         text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
  title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  excerpt      text        NOT NULL CHECK (length(excerpt) <= 500),
  body         text        NOT NULL CHECK (length(body) <= 100000),
  -- Upload object keys (uploads/<author>/<uuid>.<ext>); the API derives media URLs from them.
  cover_key    text,
  photo_keys   text[]      NOT NULL DEFAULT '{}',
  author_sub   text        NOT NULL,
  author_name  text        NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Keyset pagination of the list, newest first.
CREATE INDEX posts_published_idx ON posts (published_at DESC, id DESC);

CREATE TABLE comments (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  post_id     bigint      NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  author_name text        NOT NULL CHECK (length(author_name) BETWEEN 1 AND 80),
  body        text        NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX comments_post_idx ON comments (post_id, created_at, id);

-- What the API may do, granted to a group role; the migrate function makes the API's login role a member of it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'blog_api_access') THEN
    CREATE ROLE blog_api_access NOLOGIN;
  END IF;
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON posts, comments TO blog_api_access;
