using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Sqlite.Migrations
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
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT");

            migrationBuilder.AddColumn<string>(
                name: "ExcludedTableIds",
                table: "Webhooks",
                type: "TEXT",
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
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);
        }
    }
}
