using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class WorkspaceWebhooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "TableId",
                table: "Webhooks",
                type: "text",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text");

            migrationBuilder.AddColumn<string>(
                name: "ExcludedTableIds",
                table: "Webhooks",
                type: "text",
                nullable: false,
                defaultValueSql: "'[]'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ExcludedTableIds",
                table: "Webhooks");

            migrationBuilder.AlterColumn<string>(
                name: "TableId",
                table: "Webhooks",
                type: "text",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);
        }
    }
}
