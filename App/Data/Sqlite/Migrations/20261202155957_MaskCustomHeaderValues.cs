using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Sqlite.Migrations
{
    /// <summary>
    /// Data only: earlier versions stored the values of a webhook's custom headers (the receiver's credentials) in
    /// plain text in each attempt's request headers; this masks them. Every header those versions recorded was the
    /// engine's own or a custom one, so whatever is not the engine's is masked. (The values in the webhooks
    /// themselves need Data Protection, so the app encrypts those at start-up: WebhookHeaderValues.)
    /// </summary>
    public partial class MaskCustomHeaderValues : Migration
    {
        private const string EngineHeader =
            "(lower(h.key) IN ('content-type', 'content-length', 'user-agent', 'webhook-id', 'webhook-timestamp', 'webhook-signature') "
            + "OR lower(h.key) LIKE 'x-undb-%')";

        /// <summary>SQLite (JSON1): rewrites only the rows that hold an unmasked custom value.</summary>
        public const string MaskAttemptsSql =
            "UPDATE \"DeliveryAttempts\" SET \"RequestHeaders\" = ("
            + " SELECT json_group_object(h.key, CASE WHEN " + EngineHeader + " THEN h.value ELSE '********' END)"
            + " FROM json_each(\"DeliveryAttempts\".\"RequestHeaders\") AS h)"
            + " WHERE EXISTS (SELECT 1 FROM json_each(\"DeliveryAttempts\".\"RequestHeaders\") AS h"
            + " WHERE NOT " + EngineHeader + " AND h.value <> '********')";

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            if (migrationBuilder.ActiveProvider == "Microsoft.EntityFrameworkCore.Sqlite")
            {
                migrationBuilder.Sql(MaskAttemptsSql);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Masked values cannot be brought back.
        }
    }
}
