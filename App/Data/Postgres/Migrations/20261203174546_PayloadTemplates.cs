using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class PayloadTemplates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ContentType",
                table: "Webhooks",
                type: "character varying(8)",
                maxLength: 8,
                nullable: false,
                defaultValue: "json");

            migrationBuilder.AddColumn<string>(
                name: "PayloadTemplate",
                table: "Webhooks",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ContentType",
                table: "Webhooks");

            migrationBuilder.DropColumn(
                name: "PayloadTemplate",
                table: "Webhooks");
        }
    }
}
