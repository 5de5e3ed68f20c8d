namespace Undb.Data.Postgres;

/// <summary>
/// The SQL functions that read record values on PostgreSQL (see <see cref="ProviderConventions"/>), created by the first
/// migration. They take the same <c>$."fld_x"</c> path as SQLite's json functions and answer as those do: the member's
/// text (arrays and objects as JSON), a number (true/false as 1/0, anything else NULL), the document without the member.
/// Written in SQL and IMMUTABLE, so the planner inlines them into the query.
/// </summary>
public static class PostgresFunctions
{
    public const string Create = """
        CREATE FUNCTION undb_json_key(path text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN btrim(substr(path, 3), '"');

        CREATE FUNCTION undb_json_text(doc jsonb, path text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN doc ->> undb_json_key(path);

        CREATE FUNCTION undb_json_number(doc jsonb, path text) RETURNS double precision
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN CASE jsonb_typeof(doc -> undb_json_key(path))
                WHEN 'number' THEN (doc ->> undb_json_key(path))::double precision
                WHEN 'boolean' THEN CASE WHEN (doc -> undb_json_key(path))::boolean THEN 1 ELSE 0 END
            END;

        CREATE FUNCTION undb_json_remove(doc jsonb, path text) RETURNS jsonb
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN doc - undb_json_key(path);

        CREATE FUNCTION undb_matches(value text, pattern text) RETURNS boolean
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN value ILIKE pattern ESCAPE '\';

        CREATE FUNCTION undb_matches(doc jsonb, pattern text) RETURNS boolean
            LANGUAGE sql IMMUTABLE PARALLEL SAFE
            RETURN doc::text ILIKE pattern ESCAPE '\';
        """;

    public const string Drop = """
        DROP FUNCTION IF EXISTS undb_matches(jsonb, text);
        DROP FUNCTION IF EXISTS undb_matches(text, text);
        DROP FUNCTION IF EXISTS undb_json_remove(jsonb, text);
        DROP FUNCTION IF EXISTS undb_json_number(jsonb, text);
        DROP FUNCTION IF EXISTS undb_json_text(jsonb, text);
        DROP FUNCTION IF EXISTS undb_json_key(text);
        """;
}
