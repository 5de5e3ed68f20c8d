using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class OrderedDeliveryAndRateLimit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastSequence",
                table: "Webhooks",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "MaxPerSecond",
                table: "Webhooks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Ordered",
                table: "Webhooks",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "Sequence",
                table: "Deliveries",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Ordered",
                table: "Deliveries",
                columns: new[] { "WebhookId", "Status", "Sequence" },
                filter: "\"Sequence\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Ordered",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastSequence",
                table: "Webhooks");

            migrationBuilder.DropColumn(
                name: "MaxPerSecond",
                table: "Webhooks");

            migrationBuilder.DropColumn(
                name: "Ordered",
                table: "Webhooks");

            migrationBuilder.DropColumn(
                name: "Sequence",
                table: "Deliveries");
        }
    }
}
