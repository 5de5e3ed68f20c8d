using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class IncomingCountersPerInstance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "IncomingWebhookCounters",
                columns: table => new
                {
                    WebhookId = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Instance = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false, collation: "C"),
                    Received = table.Column<long>(type: "bigint", nullable: false),
                    Accepted = table.Column<long>(type: "bigint", nullable: false),
                    Rejected = table.Column<long>(type: "bigint", nullable: false),
                    LastReceivedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IncomingWebhookCounters", x => new { x.WebhookId, x.Instance });
                    table.ForeignKey(
                        name: "FK_IncomingWebhookCounters_IncomingWebhooks_WebhookId",
                        column: x => x.WebhookId,
                        principalTable: "IncomingWebhooks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IncomingWebhookCounters");
        }
    }
}
