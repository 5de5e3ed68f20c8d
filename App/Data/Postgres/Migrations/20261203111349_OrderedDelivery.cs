using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class OrderedDelivery : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastSequence",
                table: "Webhooks",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<bool>(
                name: "Ordered",
                table: "Webhooks",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "Sequence",
                table: "Deliveries",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_WebhookId_Sequence",
                table: "Deliveries",
                columns: new[] { "WebhookId", "Sequence" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_WebhookId_Sequence",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "LastSequence",
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
