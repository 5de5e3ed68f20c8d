using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Sqlite.Migrations
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
                    WebhookId = table.Column<string>(type: "TEXT", nullable: false),
                    Instance = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Received = table.Column<long>(type: "INTEGER", nullable: false),
                    Accepted = table.Column<long>(type: "INTEGER", nullable: false),
                    Rejected = table.Column<long>(type: "INTEGER", nullable: false),
                    LastReceivedAt = table.Column<long>(type: "INTEGER", nullable: true)
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
