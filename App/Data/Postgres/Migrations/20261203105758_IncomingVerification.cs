using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Undb.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class IncomingVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Verification",
                table: "IncomingWebhooks",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Verification",
                table: "IncomingWebhooks");
        }
    }
}
